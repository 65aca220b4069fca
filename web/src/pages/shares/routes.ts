import type { RouteRecordRaw } from 'vue-router';

export const sharesRoutes: RouteRecordRaw[] = [
  { path: '/shares', component: () => import('./SharesPage.vue'), meta: { title: 'Shared by me', requiresAuth: true } },
  // The public page of a link: no account, nothing of the dashboard's session is needed.
  { path: '/s/:token', component: () => import('../share/SharePage.vue'), meta: { title: 'Shared with you' } },
];
