import type { WriteLimit } from '../http/perUserRateLimit';

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
  /**
   * Answers remembered per user within the TTL, and in all; past either the oldest goes first.
   * Applies to the stored successes and, separately, to the refusals kept in memory.
   */
  readonly idempotencyKeysPerUser: number;
  readonly idempotencyKeysTotal: number;
  /** Each course is offered, listed and stored; one teacher cannot fill the catalogue. */
  readonly maxCoursesPerTeacher: number;
  /** Per user: booking, cancelling and reviewing share one budget. */
  readonly bookingWriteLimit: WriteLimit;
  /** Per user: creating or changing the teacher profile and adding courses share one budget. */
  readonly teacherWriteLimit: WriteLimit;
}

export const DEFAULT_POLICY: SkillsharePolicy = Object.freeze({
  minNoticeMinutes: 12 * 60,
  bufferMinutes: 15,
  horizonDays: 14,
  stepMinutes: 30,
  cancellationCutoffMinutes: 4 * 60,
  idempotencyTtlMs: 24 * 60 * 60 * 1000,
  idempotencyKeysPerUser: 100,
  idempotencyKeysTotal: 10_000,
  maxCoursesPerTeacher: 50,
  bookingWriteLimit: Object.freeze({ limit: 20, windowMs: 60_000 }),
  teacherWriteLimit: Object.freeze({ limit: 30, windowMs: 15 * 60_000 }),
});
