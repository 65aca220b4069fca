import type { RouteRecordRaw } from 'vue-router';

export const authRoutes: RouteRecordRaw[] = [
  // The seed's page path for sign-up (DESIGN §8); POST /register stays the gateway's API.
  { path: '/register', redirect: '/signup' },
  { path: '/signup', component: () => import('./SignupPage.vue'), meta: { title: 'Sign up', guestOnly: true } },
  { path: '/verify', component: () => import('./VerifyEmailPage.vue'), meta: { title: 'Verify your email' } },
  { path: '/login', component: () => import('./LoginPage.vue'), meta: { title: 'Log in', guestOnly: true } },
  { path: '/login/code', component: () => import('./LoginCodePage.vue'), meta: { title: 'Login code' } },
  { path: '/password/forgot', component: () => import('./ForgotPasswordPage.vue'), meta: { title: 'Forgot password' } },
  { path: '/password/reset', component: () => import('./ResetPasswordPage.vue'), meta: { title: 'Reset password' } },
];
