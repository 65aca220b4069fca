/** The marketplace rules, in one place so that routes, slots and tests agree on them. */
export interface SkillsharePolicy {
  /** A slot must start at least this far ahead, so that the teacher can prepare. */
  readonly minNoticeMinutes: number;
  /** Gap the teacher keeps between two sessions. */
  readonly bufferMinutes: number;
  /** How far ahead students may book. */
  readonly horizonDays: number;
  /** Slot starts are offered every `stepMinutes` from the start of each availability window. */
  readonly stepMinutes: number;
  /** Free cancellation ends this long before the start. */
  readonly cancellationCutoffMinutes: number;
  /** How long an Idempotency-Key is remembered. */
  readonly idempotencyTtlMs: number;
}

export const DEFAULT_POLICY: SkillsharePolicy = Object.freeze({
  minNoticeMinutes: 12 * 60,
  bufferMinutes: 15,
  horizonDays: 14,
  stepMinutes: 30,
  cancellationCutoffMinutes: 4 * 60,
  idempotencyTtlMs: 24 * 60 * 60 * 1000,
});
