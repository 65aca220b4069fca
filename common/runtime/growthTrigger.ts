/**
 * Calls `act` each time `measure()` has grown by `growth` since the least it read, checked every
 * `intervalMs`; after acting, growth counts from what is measured then. A measure that falls by
 * itself (V8 collected on its own) lowers the mark. The timer does not keep the process alive.
 * Returns a stop function.
 */
export function startGrowthTrigger(opts: { intervalMs: number; growth: number; measure: () => number; act: () => void }): () => void {
  const { intervalMs, growth, measure, act } = opts;
  let low = measure();
  const timer = setInterval(() => {
    const now = measure();
    low = Math.min(low, now);
    if (now - low < growth) return;
    act();
    low = measure();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
