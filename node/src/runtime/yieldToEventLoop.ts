/** Lets timers and I/O run before a long walk goes on (setImmediate: after pending I/O). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
