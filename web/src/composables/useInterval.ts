import { getCurrentScope, onScopeDispose, watch } from 'vue';

/**
 * Calls `fn` every `ms` while `active` is true, never overlapping itself: a slow answer
 * delays the next call instead of stacking requests on a busy gateway.
 */
export function useInterval(fn: () => Promise<void> | void, ms: number, active: () => boolean): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const schedule = () => {
    if (stopped || !active() || timer !== undefined) return;
    timer = setTimeout(async () => {
      try {
        await fn();
      } finally {
        timer = undefined;
        schedule();
      }
    }, ms);
  };

  const halt = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };

  watch(active, (on) => (on ? schedule() : halt()), { immediate: true });
  if (getCurrentScope())
    onScopeDispose(() => {
      stopped = true;
      halt();
    });
}
