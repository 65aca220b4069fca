import { createApp, watch } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { setUnauthenticatedListener } from './api/http';
import { router } from './router';
import { useFolderStore } from './stores/useFolderStore';
import { useSessionStore } from './stores/useSessionStore';
import { useUploadStore } from './stores/useUploadStore';
import { warnBeforeLeaving } from './lib/leaveWarning';
import './styles.css';

const pinia = createPinia();
const app = createApp(App).use(pinia).use(router);

const session = useSessionStore(pinia);
setUnauthenticatedListener(() => {
  const wasSignedIn = session.signedIn;
  session.forget();
  const current = router.currentRoute.value;
  if (current.meta.requiresAuth) {
    void router.push({ path: '/login', query: { redirect: current.fullPath, ...(wasSignedIn ? { notice: 'expired' } : {}) } });
  }
});

// Another account must never see the previous one's files or uploads; its own unfinished
// uploads come back (waiting for their files to be picked again).
const uploads = useUploadStore(pinia);
watch(
  () => session.user?.id,
  (now, before) => {
    if (now === before) return;
    useFolderStore(pinia).reset();
    uploads.setUser(now ?? null);
  },
);
// Leaving (or reloading) mid-upload asks first; the queue is written down for the next page.
watch(
  () => uploads.busy,
  (busy) => (busy ? window.addEventListener('beforeunload', warnBeforeLeaving) : window.removeEventListener('beforeunload', warnBeforeLeaving)),
);
window.addEventListener('pagehide', () => uploads.persistNow());

app.mount('#app');
