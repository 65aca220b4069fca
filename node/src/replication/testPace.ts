import type { FakeClock } from '../time/fakeClock';
import type { Pace } from '../storage/throttle';

/** Test support: a Pace over a FakeClock, so that budgets wait in fake time only. */
export function paceOf(clock: FakeClock): Pace {
  return {
    now: () => clock.now(),
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        signal?.throwIfAborted();
        const timer = clock.setTimeout(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }, ms);
        const onAbort = () => {
          clock.clearTimeout(timer);
          reject(signal!.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
  };
}

/** Lets every promise and I/O callback that is ready run (a few turns of the loop). */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Moves fake time on in steps of `stepMs` until `done()` or `limitMs`, letting work run between steps. */
export async function runFor(clock: FakeClock, done: () => boolean, limitMs: number, stepMs = 10): Promise<number> {
  const start = clock.now();
  await settle();
  while (!done()) {
    if (clock.now() - start >= limitMs) throw new Error(`not done after ${limitMs} ms of fake time`);
    clock.advance(stepMs);
    await settle();
  }
  return clock.now() - start;
}
