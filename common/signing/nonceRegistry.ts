import { SIGNATURE_WINDOW_MS } from './requestSigning';

/**
 * The nonces of signed requests seen within the signature window: a second request with one
 * of them is a replay. Memory is bounded: when the table is full the oldest nonce is dropped
 * and requests sent at or before its time are refused from then on, so a flood can shorten the
 * effective window but never reopen it to replays.
 */
export class NonceRegistry {
  /** nonce → time the request was sent; insertion order is arrival order. */
  private readonly seen = new Map<string, number>();
  /** Requests sent at or before this time are refused: their nonce may have been dropped. */
  private floor = -Infinity;

  constructor(
    private readonly maxEntries = 500_000,
    private readonly windowMs = SIGNATURE_WINDOW_MS,
  ) {}

  /** True if the nonce is fresh (and now taken); false for a replay or a request too old to tell. */
  claim(nonce: string, sentAt: number, now = Date.now()): boolean {
    this.expire(now);
    if (sentAt <= this.floor || this.seen.has(nonce)) return false;
    this.seen.set(nonce, sentAt);
    while (this.seen.size > this.maxEntries) {
      const [oldest, oldestSentAt] = this.seen.entries().next().value as [string, number];
      this.seen.delete(oldest);
      this.floor = Math.max(this.floor, oldestSentAt);
    }
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  /**
   * A request is accepted up to `windowMs` either side of now, so its nonce is kept until its
   * sent time is more than a window in the past. Arrival order is close to sent order; an entry
   * held back by a slower one ahead of it is dropped a little late, which is safe.
   */
  private expire(now: number): void {
    for (const [nonce, sentAt] of this.seen) {
      if (sentAt >= now - this.windowMs) break;
      this.seen.delete(nonce);
    }
  }
}
