import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { nodesRoutes } from './pages/nodes/routes';
import { skillshareRoutes } from './pages/skillshare/routes';

/** Every screen of the dashboard; each domain keeps its own route list next to its pages. */
const routes: RouteRecordRaw[] = [
  { path: '/', redirect: '/files' },
  ...nodesRoutes,
  ...skillshareRoutes,
  { path: '/:pathMatch(.*)*', component: () => import('./pages/NotFoundPage.vue'), meta: { title: 'Not found' } },
];

export const router = createRouter({ history: createWebHistory(), routes });

router.afterEach((to) => {
  document.title = to.meta.title ? `${String(to.meta.title)} · GeoVault` : 'GeoVault';
});
