import type { RouteRecordRaw } from 'vue-router';

export const trashRoutes: RouteRecordRaw[] = [{ path: '/trash', component: () => import('./TrashPage.vue'), meta: { title: 'Trash', requiresAuth: true } }];
