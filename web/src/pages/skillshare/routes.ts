import type { RouteRecordRaw } from 'vue-router';

export const skillshareRoutes: RouteRecordRaw[] = [
  { path: '/skillshare', component: () => import('./SkillsharePage.vue'), meta: { title: 'SkillShare' } },
  { path: '/skillshare/teachers/:id', component: () => import('./TeacherPage.vue'), meta: { title: 'Teacher · SkillShare' } },
  { path: '/skillshare/bookings', component: () => import('./BookingsPage.vue'), meta: { title: 'My bookings · SkillShare', requiresAuth: true } },
  { path: '/skillshare/dashboard', component: () => import('./TeacherDashboardPage.vue'), meta: { title: 'Teacher dashboard · SkillShare', requiresAuth: true } },
  { path: '/skillshare/teach', component: () => import('./TeachPage.vue'), meta: { title: 'Teach · SkillShare', requiresAuth: true } },
];
