import { randomUUID } from 'node:crypto';
import { AppError } from '../errors';
import type { AccountsStore } from '../store/accountsStore';
import type { AuthContext } from './authContext';
import type { ChallengePurpose, ChallengeRecord, UserRecord } from '../store/accountsSchema';
import type { AuthPolicy } from './authPolicy';
import { hashCode, hexEquals, newCode, newSalt } from './secrets';

/** Gives a challenge a fresh code: new salt and hash, a full TTL and a clean try count. */
function armWithNewCode(challenge: ChallengeRecord, now: number, policy: AuthPolicy): string {
  const code = newCode();
  challenge.codeSalt = newSalt();
  challenge.codeHash = hashCode(code, challenge.codeSalt, challenge.id);
  challenge.sentAt = now;
  challenge.expiresAt = now + policy.codeTtlMs;
  challenge.failedAttempts = 0;
  return code;
}

/**
 * Starts a challenge for `purpose` and returns its plain code (to be mailed, never stored).
 * Earlier challenges of the same purpose for the user are dropped: only the newest code works.
 */
export function issueChallenge(
  store: AccountsStore,
  purpose: ChallengePurpose,
  user: UserRecord,
  now: number,
  policy: AuthPolicy,
): { challenge: ChallengeRecord; code: string } {
  store.removeChallenges((c) => c.purpose === purpose && c.userId === user.id);
  const challenge: ChallengeRecord = {
    id: randomUUID(),
    purpose,
    userId: user.id,
    email: user.email,
    codeSalt: '',
    codeHash: '',
    sentAt: now,
    expiresAt: now,
    failedAttempts: 0,
  };
  const code = armWithNewCode(challenge, now, policy);
  store.addChallenge(challenge);
  return { challenge, code };
}

/** Replaces the code of a live challenge (resend): the old code stops working. */
export function reissueCode(challenge: ChallengeRecord, now: number, policy: AuthPolicy): string {
  return armWithNewCode(challenge, now, policy);
}

/**
 * Checks `code` against the challenge and consumes it on success. Runs without awaiting, so
 * two requests racing with the right code cannot both pass. The caller commits the store
 * either way (a wrong try is counted). Throws invalid_code or code_attempts_exceeded.
 */
export function consumeCode(
  store: AccountsStore,
  challenge: ChallengeRecord | undefined,
  purpose: ChallengePurpose,
  code: string,
  now: number,
  policy: AuthPolicy,
): ChallengeRecord {
  if (!challenge || challenge.purpose !== purpose || now > challenge.expiresAt) {
    throw new AppError('invalid_code');
  }
  if (challenge.failedAttempts >= policy.maxCodeAttempts) throw new AppError('code_attempts_exceeded');
  if (!hexEquals(hashCode(code, challenge.codeSalt, challenge.id), challenge.codeHash)) {
    challenge.failedAttempts += 1;
    if (challenge.failedAttempts >= policy.maxCodeAttempts) throw new AppError('code_attempts_exceeded');
    throw new AppError('invalid_code');
  }
  store.removeChallenges((c) => c.id === challenge.id);
  return challenge;
}

/** consumeCode, persisting the counted wrong try before the error goes out. */
export async function consumeCodeAndCommit(
  ctx: AuthContext,
  challenge: ChallengeRecord | undefined,
  purpose: ChallengePurpose,
  code: string,
): Promise<ChallengeRecord> {
  try {
    return consumeCode(ctx.accounts, challenge, purpose, code, ctx.now(), ctx.policy);
  } catch (error) {
    await ctx.accounts.commit();
    throw error;
  }
}
