import { nextTick } from 'vue';
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import './routeMeta';
import { accountRoutes } from './pages/account/routes';
import { authRoutes } from './pages/auth/routes';
import { filesRoutes } from './pages/files/routes';
import { mailboxRoutes } from './pages/mailbox/routes';
import { nodesRoutes } from './pages/nodes/routes';
import { sharesRoutes } from './pages/shares/routes';
import { skillshareRoutes } from './pages/skillshare/routes';
import { trashRoutes } from './pages/trash/routes';
import { useSessionStore } from './stores/useSessionStore';

/** Every screen of the dashboard; each domain keeps its own route list next to its pages. */
const routes: RouteRecordRaw[] = [
  { path: '/', redirect: '/files' },
  ...authRoutes,
  ...filesRoutes,
  ...trashRoutes,
  ...accountRoutes,
  ...mailboxRoutes,
  ...nodesRoutes,
  ...skillshareRoutes,
  ...sharesRoutes,
  { path: '/:pathMatch(.*)*', component: () => import('./pages/NotFoundPage.vue'), meta: { title: 'Not found' } },
];

export const router = createRouter({ history: createWebHistory(), routes });

router.beforeEach(async (to) => {
  const needsSession = to.matched.some((r) => r.meta.requiresAuth) || to.meta.guestOnly;
  if (!needsSession) return true;
  const session = useSessionStore();
  try {
    await session.ensureLoaded();
  } catch {
    // Gateway unreachable: let the page load and show its own error rather than a blank screen.
    return true;
  }
  if (to.meta.requiresAuth && !session.signedIn) return { path: '/login', query: { redirect: to.fullPath } };
  if (to.meta.guestOnly && session.signedIn) return { path: '/files' };
  return true;
});

router.afterEach((to, from, failure) => {
  if (failure) return;
  document.title = to.meta.title ? `${String(to.meta.title)} · GeoVault` : 'GeoVault';
  // On the first load the browser's own focus handling is right; after a client-side
  // navigation, move focus to the new page's heading so screen readers announce it.
  if (from.matched.length === 0 || to.path === from.path) return;
  if (to.meta.ownsFocus && to.matched.at(-1) === from.matched.at(-1)) return;
  void nextTick(() => {
    const heading = document.querySelector<HTMLElement>('#main h1');
    if (!heading) return;
    heading.tabIndex = -1;
    heading.focus();
  });
});
