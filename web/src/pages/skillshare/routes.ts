import type { RouteRecordRaw } from 'vue-router';

export const skillshareRoutes: RouteRecordRaw[] = [
  { path: '/skillshare', component: () => import('./SkillsharePage.vue'), meta: { title: 'SkillShare' } },
];
