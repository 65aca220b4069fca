import { randomUUID } from 'node:crypto';
import { AppError } from '../errors';
import type { AccountsStore } from '../store/accountsStore';
import { sendInBackground, type AuthContext } from './authContext';
import type { ChallengePurpose, ChallengeRecord, UserRecord } from '../store/accountsSchema';
import { codesLockedMail } from './authMails';
import type { AuthPolicy } from './authPolicy';
import { codeLockWaitMs, codesLockedError, countWrongCode } from './codeLock';
import type { CodeSlot } from './decoyChallenges';
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

/** What a code is checked against. */
export interface CodeTarget {
  /** The address whose account-wide count a wrong code adds to, account or not. */
  email: string;
  challenge?: ChallengeRecord;
  /** Stands in for the challenge when there is none to be had (see DecoyChallenges). */
  decoy?: CodeSlot;
}

/**
 * Checks `code` and consumes the challenge when it is right. The check runs without awaiting,
 * so two requests racing with the right code cannot both pass; the caller commits a success.
 * A wrong code is counted on its challenge (or decoy) and on the address, and committed before
 * the error goes out. Throws codes_locked, invalid_code or code_attempts_exceeded.
 */
export async function consumeCodeAndCommit(
  ctx: AuthContext,
  target: CodeTarget,
  purpose: ChallengePurpose,
  code: string,
): Promise<ChallengeRecord> {
  const now = ctx.now();
  const { challenge } = target;
  const lockWait = codeLockWaitMs(ctx.accounts, target.email, purpose, now);
  if (lockWait > 0) throw codesLockedError(lockWait);
  const slot: CodeSlot | undefined = challenge ?? target.decoy;
  if (!slot || (challenge && challenge.purpose !== purpose) || now > slot.expiresAt) throw new AppError('invalid_code');
  if (slot.failedAttempts >= ctx.policy.maxCodeAttempts) throw new AppError('code_attempts_exceeded');
  if (challenge && hexEquals(hashCode(code, challenge.codeSalt, challenge.id), challenge.codeHash)) {
    ctx.accounts.removeChallenges((c) => c.id === challenge.id);
    return challenge;
  }
  slot.failedAttempts += 1;
  const lockedNow = countWrongCode(ctx.accounts, target.email, purpose, now, ctx.policy);
  await ctx.accounts.commit();
  if (lockedNow) {
    const owner = ctx.accounts.userByEmail(target.email);
    ctx.logger.warn({ userId: owner?.id, purpose }, 'codes locked after too many wrong codes');
    if (owner) sendInBackground(ctx, codesLockedMail(owner.email, owner.name, purpose, now + ctx.policy.codeLockMs));
    throw codesLockedError(ctx.policy.codeLockMs);
  }
  throw new AppError(slot.failedAttempts >= ctx.policy.maxCodeAttempts ? 'code_attempts_exceeded' : 'invalid_code');
}
