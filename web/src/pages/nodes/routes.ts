import type { RouteRecordRaw } from 'vue-router';

export const nodesRoutes: RouteRecordRaw[] = [{ path: '/nodes', component: () => import('./NodesPage.vue'), meta: { title: 'Mesh' } }];
