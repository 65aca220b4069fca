import type { Router } from 'express';
import { AppError } from '../errors';
import { parseInput } from '../http/parseInput';
import { rateLimitedError } from '../http/rateLimitedError';
import type { ChallengeRecord, UserRecord } from '../store/accountsSchema';
import { pruneExpired, sendInBackground, type AuthContext } from './authContext';
import { codeMail } from './authMails';
import { resendSchema } from './authSchemas';
import { issueChallenge, reissueCode } from './challenges';
import { codeLockWaitMs, codesLockedError } from './codeLock';
import { recordMailRequest, resendWaitMs } from './mailBudget';

const RESEND_MESSAGE = 'If there is a code to resend, a new one is on its way; the previous code no longer works.';

/**
 * POST /api/auth/resend-code: a new code for a login challenge (by id) or for a sign-up or
 * reset (by address). By address it answers the same whether or not there is anything to
 * resend, and the per-address limits count the request either way.
 */
export function mountResendRoutes(router: Router, ctx: AuthContext): void {
  const ttlMinutes = Math.round(ctx.policy.codeTtlMs / 60_000);

  router.post('/api/auth/resend-code', async (req, res) => {
    const input = parseInput(resendSchema, req.body);
    const now = ctx.now();
    pruneExpired(ctx);
    let challenge: ChallengeRecord | undefined;
    let user: UserRecord | undefined;
    if ('challengeId' in input) {
      challenge = ctx.accounts.challengeById(input.challengeId);
      if (!challenge) throw new AppError('not_found', 'That sign-in attempt has expired; sign in again.');
      user = ctx.accounts.userById(challenge.userId);
    } else {
      user = ctx.accounts.userByEmail(input.email);
      challenge = user && ctx.accounts.challengeFor(input.purpose, user.id);
    }
    const email = challenge?.email ?? ('email' in input ? input.email : '');
    // A code mailed now could not be used before the lock ends. By address the answer stays
    // the usual 202 (it must not tell whether there is an account); nothing is sent.
    const lockWait = codeLockWaitMs(ctx.accounts, email, challenge?.purpose ?? ('purpose' in input ? input.purpose : 'login'), now);
    if (lockWait > 0 && 'challengeId' in input) throw codesLockedError(lockWait);
    const wait = resendWaitMs(ctx.accounts, email, now, ctx.policy);
    if (wait > 0) throw rateLimitedError(wait);
    recordMailRequest(ctx.accounts, email, 'resend', now);
    let code: string | undefined;
    if (lockWait === 0) {
      if (challenge) code = reissueCode(challenge, now, ctx.policy);
      else if (user && !user.emailVerified && 'purpose' in input && input.purpose === 'signup') {
        // A sign-up whose code expired can still be finished: start a fresh challenge for it.
        ({ challenge, code } = issueChallenge(ctx.accounts, 'signup', user, now, ctx.policy));
      } else if ('purpose' in input && ctx.decoys.find(input.purpose, email)) {
        // Fresh tries for a decoy, as a real challenge gets them above.
        ctx.decoys.arm(input.purpose, email, now, ctx.policy);
      }
    }
    if (challenge && code && user) {
      sendInBackground(ctx, codeMail(challenge.purpose, user.email, user.name, code, ttlMinutes));
    }
    await ctx.accounts.commit();
    res.status(202).json({ message: RESEND_MESSAGE });
  });
}
