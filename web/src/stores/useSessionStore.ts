import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { fetchMe, logout as apiLogout, type PublicUser } from '../api/auth';
import { ApiError } from '../api/http';

/**
 * Who is signed in. The session itself lives in the HttpOnly cookie; this store only learns
 * about it (GET /api/auth/me once per page load) and forgets it on logout or a 401.
 */
export const useSessionStore = defineStore('session', () => {
  const user = ref<PublicUser | null>(null);
  const checked = ref(false);
  let pending: Promise<void> | undefined;

  const signedIn = computed(() => user.value !== null);

  /** Asks the gateway once; concurrent callers (guard + nav) share the same request. */
  function ensureLoaded(): Promise<void> {
    if (checked.value) return Promise.resolve();
    pending ??= fetchMe()
      .then(({ user: me }) => {
        user.value = me;
      })
      .catch((error: unknown) => {
        // A gateway that is down is not a sign-out; only a definite 401 is.
        if (!(error instanceof ApiError) || error.status !== 401) throw error;
        user.value = null;
      })
      .finally(() => {
        checked.value = true;
        pending = undefined;
      });
    return pending;
  }

  function signedInAs(me: PublicUser): void {
    user.value = me;
    checked.value = true;
  }

  function forget(): void {
    user.value = null;
    checked.value = true;
  }

  async function logout(): Promise<void> {
    try {
      await apiLogout();
    } finally {
      forget();
    }
  }

  return { user, checked, signedIn, ensureLoaded, signedInAs, forget, logout };
});
