import type { RouteRecordRaw } from 'vue-router';

export const filesRoutes: RouteRecordRaw[] = [
  { path: '/files', component: () => import('./FilesPage.vue'), meta: { title: 'Files', requiresAuth: true } },
];
