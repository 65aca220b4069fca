import { computed, getCurrentScope, onScopeDispose, ref } from 'vue';

/**
 * A whole-second countdown, for "Resend code (45 s)". It counts from a deadline rather than
 * decrementing per tick, so a throttled background tab still shows the right number.
 */
export function useCountdown(now: () => number = Date.now) {
  const deadline = ref(0);
  const remaining = ref(0);
  let timer: ReturnType<typeof setInterval> | undefined;

  function tick(): void {
    remaining.value = Math.max(0, Math.ceil((deadline.value - now()) / 1000));
    if (remaining.value === 0) stop();
  }

  function stop(): void {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  }

  function start(seconds: number): void {
    stop();
    deadline.value = now() + seconds * 1000;
    tick();
    if (remaining.value > 0) timer = setInterval(tick, 250);
  }

  if (getCurrentScope()) onScopeDispose(stop);

  return { remaining, running: computed(() => remaining.value > 0), start, stop };
}
