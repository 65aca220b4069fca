/**
 * Lifeguard's local health (memberlist's awareness.go): how much this node trusts its own
 * ability to answer and time things in soft real time. A node that is itself slow (a late
 * event loop, a saturated link) sees its probes of healthy peers fail; instead of accusing
 * them it raises its score, which stretches its own probe timeouts and period by
 * (score + 1). Successful probes bring the score back down.
 *
 * What moves the score (membership.ts and prober.ts):
 * - +1 a probe failed and nobody could vouch for the network (no ping-req helper to ask);
 * - +1 per helper that neither relayed an ack nor sent a nack: a helper that nacks shows
 *   the network works, so the target is suspect, not us;
 * - +1 we had to refute a suspicion of ourselves;
 * - +1 our own protocol timer fired late by more than the lag threshold (event-loop lag);
 * - −1 a probe succeeded.
 */
export class Awareness {
  private current = 0;
  private readonly listeners = new Set<(score: number) => void>();

  /** `maxMultiplier` bounds the stretch: the score stays in 0..maxMultiplier-1. 1 disables it. */
  constructor(readonly maxMultiplier: number) {
    if (!Number.isInteger(maxMultiplier) || maxMultiplier < 1) throw new Error('the awareness multiplier must be an integer ≥ 1');
  }

  /** 0 is healthy; higher is less healthy. */
  get score(): number {
    return this.current;
  }

  /** Applies a change, clamped to 0..max-1; returns the new score. */
  applyDelta(delta: number): number {
    const before = this.current;
    this.current = Math.min(this.maxMultiplier - 1, Math.max(0, this.current + delta));
    if (this.current !== before) for (const listener of this.listeners) listener(this.current);
    return this.current;
  }

  /** A timeout stretched by how unhealthy we are: ms × (score + 1). */
  scaleTimeout(ms: number): number {
    return ms * (this.current + 1);
  }

  onChange(listener: (score: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
