import type { AccountsStore } from '../store/accountsStore';
import type { MailKind } from '../store/accountsSchema';
import { HOUR_MS, type AuthPolicy } from './authPolicy';
import { sha256Hex } from './secrets';

/** The key the mail log files an address under (see MailLogEntry). */
export function addressKey(email: string): string {
  return sha256Hex(`mail-log:${email}`);
}

export function recordMailRequest(store: AccountsStore, email: string, kind: MailKind, now: number): void {
  store.logMail({ address: addressKey(email), kind, at: now });
}

/**
 * How long a resend to `email` must wait (0 = now): a minute after the previous mail request
 * to that address, and at most `resendsPerHour` resends an hour.
 */
export function resendWaitMs(store: AccountsStore, email: string, now: number, policy: AuthPolicy): number {
  const recent = store.mailLogFor(addressKey(email), now - HOUR_MS);
  let wait = 0;
  const last = recent.reduce((latest, entry) => Math.max(latest, entry.at), -Infinity);
  if (now - last < policy.resendIntervalMs) wait = last + policy.resendIntervalMs - now;
  const resends = recent.filter((entry) => entry.kind === 'resend').map((entry) => entry.at).sort((a, b) => a - b);
  if (resends.length >= policy.resendsPerHour) {
    const oldestThatCounts = resends[resends.length - policy.resendsPerHour]!;
    wait = Math.max(wait, oldestThatCounts + HOUR_MS - now);
  }
  return Math.max(0, wait);
}

/** Whether sign-up or reset may still mail this address this hour (checked before recording). */
export function unsolicitedMailAllowed(store: AccountsStore, email: string, now: number, policy: AuthPolicy): boolean {
  return store.mailLogFor(addressKey(email), now - HOUR_MS).length < policy.unsolicitedMailsPerHour;
}
