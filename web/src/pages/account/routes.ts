import type { RouteRecordRaw } from 'vue-router';

export const accountRoutes: RouteRecordRaw[] = [
  { path: '/account', component: () => import('./AccountPage.vue'), meta: { title: 'Account', requiresAuth: true } },
];
