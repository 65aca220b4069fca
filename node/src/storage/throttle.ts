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
 * Re-yields `source` no faster than `perSecond` on average since the start, so background
 * work (the scrubber's reads, the repair sweep's files) leaves the disk and the event loop to
 * the foreground. Buffers weigh their length, anything else 1. Pacing against the start
 * rather than per item lets a slow stretch be caught up without drifting.
 */
export async function* throttle<T>(
  source: AsyncIterable<T>,
  perSecond: number,
  options: { pace?: Pace; signal?: AbortSignal } = {},
): AsyncGenerator<T> {
  if (!(perSecond > 0) || !Number.isFinite(perSecond)) {
    throw new RangeError('perSecond must be a positive finite number');
  }
  const pace = options.pace ?? realPace;
  const start = pace.now();
  let units = 0;
  for await (const chunk of source) {
    units += Buffer.isBuffer(chunk) ? chunk.length : 1;
    const wait = start + (units * 1000) / perSecond - pace.now();
    if (wait > 0) await pace.sleep(wait, options.signal);
    options.signal?.throwIfAborted();
    yield chunk;
  }
}
