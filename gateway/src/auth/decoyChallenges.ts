import type { ChallengePurpose } from '../store/accountsSchema';
import type { AuthPolicy } from './authPolicy';

/** The part of a challenge that decides how a wrong code is answered. */
export interface CodeSlot {
  failedAttempts: number;
  expiresAt: number;
}

/**
 * Stand-ins for the challenges an address without one would have had: a reset asked for an
 * unknown address, a sign-up repeated for an address that already has an account. Wrong codes
 * against them count and expire exactly like real ones, so "code_attempts_exceeded" after five
 * tries does not single out real accounts. No code ever matches a decoy.
 *
 * In memory and bounded: an entry stays (expired or not) until it is the oldest of `maxEntries`,
 * because a real pending sign-up is never forgotten either and a resend may revive it.
 */
export class DecoyChallenges {
  private readonly slots = new Map<string, CodeSlot>();

  constructor(private readonly maxEntries = 50_000) {}

  private static key(purpose: ChallengePurpose, email: string): string {
    return `${purpose}:${email}`;
  }

  /** Starts a decoy with a full TTL and fresh tries, as issueChallenge or a resend would. */
  arm(purpose: ChallengePurpose, email: string, now: number, policy: AuthPolicy): void {
    const key = DecoyChallenges.key(purpose, email);
    // Re-inserted so that the Map's order stays oldest-armed first.
    this.slots.delete(key);
    this.slots.set(key, { failedAttempts: 0, expiresAt: now + policy.codeTtlMs });
    if (this.slots.size > this.maxEntries) {
      const oldest = this.slots.keys().next().value;
      if (oldest !== undefined) this.slots.delete(oldest);
    }
  }

  find(purpose: ChallengePurpose, email: string): CodeSlot | undefined {
    return this.slots.get(DecoyChallenges.key(purpose, email));
  }
}
