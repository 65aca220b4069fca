import type { RouteRecordRaw } from 'vue-router';

// Public on purpose: a new user reads their sign-up code here before having a session.
export const mailboxRoutes: RouteRecordRaw[] = [
  { path: '/mailbox', component: () => import('./MailboxPage.vue'), meta: { title: 'Dev mailbox' } },
];
