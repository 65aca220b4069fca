import type { RouteRecordRaw } from 'vue-router';

export const filesRoutes: RouteRecordRaw[] = [
  // One record for the root and every folder: moving between folders keeps the page (and its
  // upload queue) and lets it place the focus itself (see ownsFocus in router.ts).
  { path: '/files/:folderId?', component: () => import('./FilesPage.vue'), meta: { title: 'Files', requiresAuth: true, ownsFocus: true } },
  // The seed's page path for the file list (DESIGN §8: its pages keep working).
  { path: '/dashboard', redirect: '/files' },
];
