import { AppError } from '../errors';
import type { AccountsStore } from '../store/accountsStore';
import type { ChallengePurpose } from '../store/accountsSchema';
import type { AuthPolicy } from './authPolicy';
import { addressKey } from './mailBudget';

/** Addresses with wrong codes on record at once; each record lives an hour at most. */
const MAX_WRONG_CODE_RECORDS = 100_000;

/**
 * DESIGN §9: at most `wrongCodesPerAccount` wrong codes per account per window, across every
 * challenge and resend (each of which starts with fresh tries), then its codes are locked.
 * Counted per address, so an address without an account counts and locks exactly alike.
 *
 * Counted and locked apart for sign-in codes and for the codes anyone can have mailed (reset,
 * verification): with one count, a stranger could lock the owner out of signing in for an
 * hour, every hour, with a few reset requests and 20 guesses, no password needed. Sign-in
 * codes are only mailed after the right password, so only someone who has it can lock them.
 */
type LockScope = 'sign-in' | 'mailed';

function scopeOf(purpose: ChallengePurpose): LockScope {
  return purpose === 'login' ? 'sign-in' : 'mailed';
}

function recordKey(email: string, purpose: ChallengePurpose): string {
  // Still a hash of the address, as the store keeps them; sign-in keeps the plain one.
  return scopeOf(purpose) === 'sign-in' ? addressKey(email) : addressKey(`mailed-codes:${email}`);
}

export function codeLockWaitMs(store: AccountsStore, email: string, purpose: ChallengePurpose, now: number): number {
  const lockedUntil = store.wrongCodesFor(recordKey(email, purpose))?.lockedUntil ?? 0;
  return Math.max(0, lockedUntil - now);
}

/** Counts one wrong code; says whether it was the one that locked the address's codes of that kind. */
export function countWrongCode(store: AccountsStore, email: string, purpose: ChallengePurpose, now: number, policy: AuthPolicy): boolean {
  const address = recordKey(email, purpose);
  let record = store.wrongCodesFor(address);
  if (!record) {
    record = { address, failures: [] };
    store.addWrongCodes(record, MAX_WRONG_CODE_RECORDS);
  }
  const since = now - policy.wrongCodeWindowMs;
  record.failures = record.failures.filter((at) => at > since);
  record.failures.push(now);
  if (record.failures.length < policy.wrongCodesPerAccount) return false;
  // The lock outlasts the window, so the count starts over when it ends.
  record.failures = [];
  record.lockedUntil = now + policy.codeLockMs;
  return true;
}

export function codesLockedError(waitMs: number): AppError {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  const minutes = Math.ceil(seconds / 60);
  return new AppError(
    'codes_locked',
    `Too many wrong codes were entered for this account; its codes are locked for ${minutes} more minute${minutes === 1 ? '' : 's'}.`,
    { 'Retry-After': String(seconds) },
  );
}
