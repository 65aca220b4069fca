import type { Router } from 'express';
import type { SignedIn } from '../api/auth';
import { AppError } from '../errors';
import { parseInput } from '../http/parseInput';
import { clientIp, rateLimitedError } from '../http/rateLimitedError';
import { publicUser, pruneExpired, sendInBackground, type AuthContext } from './authContext';
import { codeMail, newDeviceMail } from './authMails';
import { loginSchema, loginVerifySchema } from './authSchemas';
import { consumeCodeAndCommit, issueChallenge } from './challenges';
import { clientInfo } from './clientInfo';
import { codeLockWaitMs, codesLockedError } from './codeLock';
import { presentedToken, setSessionCookies } from './credentials';
import { recognizeDevice } from './knownDevices';
import { recordMailRequest } from './mailBudget';
import { sha256Hex } from './secrets';
import { createSession } from './sessions';

/** POST /api/auth/login (password → challenge + mailed code) and /api/auth/login/verify. */
export function mountLoginRoutes(router: Router, ctx: AuthContext): void {
  const ttlMinutes = Math.round(ctx.policy.codeTtlMs / 60_000);

  router.post('/api/auth/login', async (req, res) => {
    const input = parseInput(loginSchema, req.body);
    const ip = clientIp(req);
    const wait = Math.max(ctx.loginFailuresByAccount.retryAfterMs(input.email), ctx.loginFailuresByIp.retryAfterMs(ip));
    if (wait > 0) throw rateLimitedError(wait);
    // Counted before the slow compare, so parallel guesses cannot all slip under the limit.
    ctx.loginFailuresByAccount.fail(input.email);
    ctx.loginFailuresByIp.fail(ip);
    const user = ctx.accounts.userByEmail(input.email);
    const ok = user
      ? await ctx.passwords.verify(input.password, user.passwordHash)
      : await ctx.passwords.verifyAgainstNothing(input.password);
    if (!user || !ok) {
      ctx.logger.info({ ip }, 'login failed');
      throw new AppError('invalid_credentials');
    }
    ctx.loginFailuresByAccount.clear(input.email);
    ctx.loginFailuresByIp.forgiveLast(ip);
    if (!user.emailVerified) throw new AppError('email_not_verified');

    const now = ctx.now();
    // Only after the right password, so the lock tells nothing to whoever does not know it.
    const lockWait = codeLockWaitMs(ctx.accounts, user.email, 'login', now);
    if (lockWait > 0) throw codesLockedError(lockWait);
    pruneExpired(ctx);
    const { challenge, code } = issueChallenge(ctx.accounts, 'login', user, now, ctx.policy);
    recordMailRequest(ctx.accounts, user.email, 'login', now);
    try {
      await ctx.mailer.send(codeMail('login', user.email, user.name, code, ttlMinutes));
    } catch (error) {
      ctx.accounts.removeChallenges((c) => c.id === challenge.id);
      ctx.logger.error({ err: error }, 'could not mail a login code');
      throw new AppError('unavailable', 'The sign-in code could not be mailed; try again shortly.');
    }
    await ctx.accounts.commit();
    res.status(202).json({ challengeId: challenge.id });
  });

  router.post('/api/auth/login/verify', async (req, res) => {
    const input = parseInput(loginVerifySchema, req.body);
    const challenge = ctx.accounts.challengeById(input.challengeId);
    if (!challenge) throw new AppError('invalid_code');
    const consumed = await consumeCodeAndCommit(ctx, { email: challenge.email, challenge }, 'login', input.code);
    const user = ctx.accounts.userById(consumed.userId);
    if (!user) throw new AppError('invalid_code');
    const now = ctx.now();
    // Rotation: whatever session the client held before is dropped, so a token planted or
    // leaked before login is worth nothing after it.
    const previous = presentedToken(req);
    if (previous) {
      const previousHash = sha256Hex(previous.token);
      ctx.accounts.removeSessions((s) => s.tokenHash === previousHash);
    }
    const issued = createSession(ctx.accounts, user, req.get('user-agent') ?? '', now);
    const device = recognizeDevice(req, res, user, now, ctx.policy);
    await ctx.accounts.commit();
    setSessionCookies(req, res, issued.token, issued.csrfToken, ctx.policy);
    res.set('Cache-Control', 'no-store');
    if (device.isNew) sendInBackground(ctx, newDeviceMail(user.email, user.name, clientInfo(req, now)));
    ctx.logger.info({ userId: user.id, sessionId: issued.session.id }, 'signed in');
    res.status(200).json({ token: issued.token, csrfToken: issued.csrfToken, user: publicUser(user) } satisfies SignedIn);
  });
}
