import { realPace, type Pace } from '../storage/throttle';

/**
 * A rate budget shared by many callers (bytes for every repair pull at once, files for the
 * scrubber): `take(n)` waits until n units fit. The bucket holds `burst` units when full and
 * refills at `perSecond`, so over any window of t seconds at most `perSecond * t + burst`
 * units pass, however many callers share it. Kept as the time the bucket would be full again
 * (GCRA): each take reserves its units at once, so callers are served in the order they
 * asked and none can starve another. A take larger than the burst is allowed; it just waits
 * for the bucket to pay it off.
 */
export class TokenBucket {
  private readonly msPerUnit: number;
  private readonly burstMs: number;
  /** When the bucket will be full again; at or before now means it is full. */
  private fullAt: number;

  constructor(
    readonly perSecond: number,
    private readonly opts: { burst?: number; pace?: Pace } = {},
  ) {
    if (!(perSecond > 0) || !Number.isFinite(perSecond)) throw new RangeError('perSecond must be a positive finite number');
    const burst = opts.burst ?? perSecond / 10;
    if (!(burst >= 0) || !Number.isFinite(burst)) throw new RangeError('burst must be a non-negative finite number');
    this.msPerUnit = 1000 / perSecond;
    this.burstMs = burst * this.msPerUnit;
    this.fullAt = this.pace.now();
  }

  private get pace(): Pace {
    return this.opts.pace ?? realPace;
  }

  /** Waits until `units` fit in the budget; rejects when `signal` aborts (the units stay spent). */
  async take(units: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const now = this.pace.now();
    this.fullAt = Math.max(this.fullAt, now) + units * this.msPerUnit;
    const wait = this.fullAt - now - this.burstMs;
    if (wait > 0) await this.pace.sleep(wait, signal);
  }

  /** Re-yields `source`, each chunk once the budget has room for its bytes. */
  async *meter(source: AsyncIterable<Buffer>, signal?: AbortSignal): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      await this.take(chunk.length, signal);
      yield chunk;
    }
  }
}
