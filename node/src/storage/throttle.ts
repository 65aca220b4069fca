import { setTimeout as sleep } from 'node:timers/promises';

/** Time for pacing: a monotonic clock and a way to wait. Tests pass one that only pretends. */
export interface Pace {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realPace: Pace = {
  now: () => performance.now(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }),
};

/**
 * Re-yields `source` no faster than `bytesPerSecond` on average since the start, so a
 * background reader (the scrubber) leaves the disk to the foreground. Pacing against the
 * start rather than per chunk lets a slow stretch be caught up without drifting.
 */
export async function* throttle(
  source: AsyncIterable<Buffer>,
  bytesPerSecond: number,
  options: { pace?: Pace; signal?: AbortSignal } = {},
): AsyncGenerator<Buffer> {
  if (!(bytesPerSecond > 0) || !Number.isFinite(bytesPerSecond)) {
    throw new RangeError('bytesPerSecond must be a positive finite number');
  }
  const pace = options.pace ?? realPace;
  const start = pace.now();
  let bytes = 0;
  for await (const chunk of source) {
    bytes += chunk.length;
    const wait = start + (bytes * 1000) / bytesPerSecond - pace.now();
    if (wait > 0) await pace.sleep(wait, options.signal);
    options.signal?.throwIfAborted();
    yield chunk;
  }
}
