const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * The numbers behind DESIGN §9, in one place. Production uses DEFAULT_AUTH_POLICY; tests may
 * lower the throttling thresholds to keep runs short, never the cryptographic parameters.
 */
export interface AuthPolicy {
  codeTtlMs: number;
  /** Wrong tries that kill a code. */
  maxCodeAttempts: number;
  /**
   * Wrong codes an account (or an address without one) may collect within wrongCodeWindowMs,
   * across all its challenges and resends; the next one locks its codes for codeLockMs.
   */
  wrongCodesPerAccount: number;
  wrongCodeWindowMs: number;
  codeLockMs: number;
  /** A resend waits this long after the previous mail to the same address. */
  resendIntervalMs: number;
  resendsPerHour: number;
  /**
   * Mails that sign-up and reset may trigger per address and hour; beyond it they answer the
   * same 202 but send nothing (an answer that differed would tell whether the account exists).
   */
  unsolicitedMailsPerHour: number;
  sessionIdleMs: number;
  sessionAbsoluteMs: number;
  /** lastSeenAt is refreshed in memory on every request but written at most this often. */
  sessionTouchPersistMs: number;
  loginFailuresPerAccount: number;
  loginFailuresPerIp: number;
  loginFailureWindowMs: number;
  /** Per-IP cap on all auth POSTs (express-rate-limit), against scripted abuse of mail. */
  authRequestsPerIp: number;
  authRequestWindowMs: number;
  /** A sign-up whose address was never verified is forgotten after this long. */
  unverifiedAccountTtlMs: number;
}

export const DEFAULT_AUTH_POLICY: Readonly<AuthPolicy> = Object.freeze({
  codeTtlMs: 10 * MINUTE,
  maxCodeAttempts: 5,
  wrongCodesPerAccount: 20,
  wrongCodeWindowMs: HOUR,
  codeLockMs: HOUR,
  resendIntervalMs: MINUTE,
  resendsPerHour: 5,
  unsolicitedMailsPerHour: 10,
  sessionIdleMs: 30 * MINUTE,
  sessionAbsoluteMs: 12 * HOUR,
  sessionTouchPersistMs: MINUTE,
  loginFailuresPerAccount: 5,
  loginFailuresPerIp: 20,
  loginFailureWindowMs: 15 * MINUTE,
  authRequestsPerIp: 100,
  authRequestWindowMs: 15 * MINUTE,
  unverifiedAccountTtlMs: 48 * HOUR,
});

export const HOUR_MS = HOUR;
