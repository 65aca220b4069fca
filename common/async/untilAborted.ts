/**
 * `promise`, or a rejection with the signal's reason as soon as it aborts; either way nothing
 * of it stays attached to the signal once it settles. Not Promise.race against one promise
 * that stands for the whole operation: each race leaves a reaction on that promise, and the
 * reaction holds the race's result. In a PATCH that raced every chunk of its body so, the
 * whole body stayed reachable until the PATCH ended: 8 MiB promoted to the old generation
 * per PATCH, and a full garbage collection every other PATCH (bench:resumable, --trace-gc).
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) {
      promise.catch(() => undefined);
      reject(signal.reason);
      return;
    }
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
