import type { RequestHandler, Router } from 'express';
import type { SignedIn } from '../api/auth';
import { AppError } from '../errors';
import { parseInput } from '../http/parseInput';
import { clientIp, rateLimitedError } from '../http/rateLimitedError';
import { publicUser, pruneExpired, sendInBackground, type AuthContext } from './authContext';
import { codeMail, passwordChangedMail, passwordResetMail } from './authMails';
import { changePasswordSchema, forgotSchema, resetSchema } from './authSchemas';
import { consumeCodeAndCommit, issueChallenge } from './challenges';
import { clientInfo } from './clientInfo';
import { codeLockWaitMs } from './codeLock';
import { clearSessionCookies, setSessionCookies } from './credentials';
import { recordMailRequest, unsolicitedMailAllowed } from './mailBudget';
import { assertAcceptablePassword } from './passwordRules';
import { createSession } from './sessions';

const FORGOT_MESSAGE = 'If the address has an account, a reset code is on its way.';

/** Forgot / reset (by emailed code) and change (signed in, with the current password). */
export function mountPasswordRoutes(router: Router, ctx: AuthContext, requireUser: RequestHandler): void {
  const ttlMinutes = Math.round(ctx.policy.codeTtlMs / 60_000);

  router.post('/api/auth/password/forgot', async (req, res) => {
    const input = parseInput(forgotSchema, req.body);
    const now = ctx.now();
    pruneExpired(ctx);
    const mayMail = unsolicitedMailAllowed(ctx.accounts, input.email, now, ctx.policy);
    recordMailRequest(ctx.accounts, input.email, 'reset', now);
    const user = ctx.accounts.userByEmail(input.email);
    // While the address's codes are locked a new code would be useless; the answer is the same.
    const locked = codeLockWaitMs(ctx.accounts, input.email, 'reset', now) > 0;
    if (mayMail && !locked) {
      if (user) {
        const { code } = issueChallenge(ctx.accounts, 'reset', user, now, ctx.policy);
        sendInBackground(ctx, codeMail('reset', user.email, user.name, code, ttlMinutes));
      } else {
        // Codes guessed for an unknown address then run out and lock exactly like real ones.
        ctx.decoys.arm('reset', input.email, now, ctx.policy);
      }
    }
    await ctx.accounts.commit();
    res.status(202).json({ message: FORGOT_MESSAGE });
  });

  // Deliberately does not sign in: the code proves the mailbox, and signing in also needs the
  // password plus a fresh emailed code, so a reset never skips the second step.
  router.post('/api/auth/password/reset', async (req, res) => {
    const input = parseInput(resetSchema, req.body);
    // Before the code is looked at, so a refused password does not burn a try.
    await assertAcceptablePassword(input.password, input.email);
    const user = ctx.accounts.userByEmail(input.email);
    const challenge = user && ctx.accounts.challengeFor('reset', user.id);
    const decoy = user ? undefined : ctx.decoys.find('reset', input.email);
    const consumed = await consumeCodeAndCommit(ctx, { email: input.email, challenge, decoy }, 'reset', input.code);
    const owner = ctx.accounts.userById(consumed.userId);
    if (!owner) throw new AppError('invalid_code');
    const passwordHash = await ctx.passwords.hash(input.password);
    const now = ctx.now();
    Object.assign(owner, { passwordHash, passwordChangedAt: now, emailVerified: true });
    const revoked = ctx.accounts.removeSessions((s) => s.userId === owner.id);
    ctx.accounts.removeChallenges((c) => c.userId === owner.id && c.purpose === 'login');
    await ctx.accounts.commit();
    clearSessionCookies(req, res, ctx.policy);
    ctx.loginFailuresByAccount.clear(owner.email);
    sendInBackground(ctx, passwordResetMail(owner.email, owner.name, clientInfo(req, now)));
    ctx.logger.info({ userId: owner.id, revoked }, 'password reset');
    res.status(200).json({ message: 'Your password has been changed. Sign in with the new password.' });
  });

  router.post('/api/auth/password/change', requireUser, async (req, res) => {
    const input = parseInput(changePasswordSchema, req.body);
    const user = ctx.accounts.userById(req.user!.id);
    if (!user) throw new AppError('unauthenticated');
    const ip = clientIp(req);
    const wait = Math.max(ctx.loginFailuresByAccount.retryAfterMs(user.email), ctx.loginFailuresByIp.retryAfterMs(ip));
    if (wait > 0) throw rateLimitedError(wait);
    if (!(await ctx.passwords.verify(input.currentPassword, user.passwordHash))) {
      ctx.loginFailuresByAccount.fail(user.email);
      ctx.loginFailuresByIp.fail(ip);
      throw new AppError('wrong_current_password');
    }
    // Compared as the hash compares them (prehash normalises to NFC); a no-op must not pass for a change.
    if (input.newPassword.normalize('NFC') === input.currentPassword.normalize('NFC')) throw new AppError('password_unchanged');
    await assertAcceptablePassword(input.newPassword, user.email);
    const passwordHash = await ctx.passwords.hash(input.newPassword);
    const now = ctx.now();
    Object.assign(user, { passwordHash, passwordChangedAt: now });
    // Every session goes, this one included; the caller continues on a fresh one.
    const revoked = ctx.accounts.removeSessions((s) => s.userId === user.id);
    pruneExpired(ctx);
    const issued = createSession(ctx.accounts, user, req.get('user-agent') ?? '', now);
    await ctx.accounts.commit();
    setSessionCookies(req, res, issued.token, issued.csrfToken, ctx.policy);
    res.set('Cache-Control', 'no-store');
    sendInBackground(ctx, passwordChangedMail(user.email, user.name, clientInfo(req, now)));
    ctx.logger.info({ userId: user.id, revoked }, 'password changed');
    res.status(200).json({ token: issued.token, csrfToken: issued.csrfToken, user: publicUser(user) } satisfies SignedIn);
  });
}
