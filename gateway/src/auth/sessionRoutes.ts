import type { RequestHandler, Router } from 'express';
import type { SessionInfo } from '../api/auth';
import { AppError } from '../errors';
import { publicUser, type AuthContext } from './authContext';
import { clearSessionCookies } from './credentials';
import { checkCsrf, resolveSession } from './requireUser';

/** The account screen: who am I, where am I signed in, sign out here or everywhere else. */
export function mountSessionRoutes(router: Router, ctx: AuthContext, requireUser: RequestHandler): void {
  router.get('/api/auth/me', requireUser, (req, res) => {
    const user = ctx.accounts.userById(req.user!.id);
    if (!user) throw new AppError('unauthenticated');
    res.set('Cache-Control', 'no-store').json({ user: publicUser(user) });
  });

  router.get('/api/auth/sessions', requireUser, (req, res) => {
    const sessions = ctx.accounts
      .sessionsOf(req.user!.id)
      .sort((a, b) => b.lastSeenAt - a.lastSeenAt)
      .map((s): SessionInfo => ({
        id: s.id,
        createdAt: new Date(s.createdAt).toISOString(),
        lastSeenAt: new Date(s.lastSeenAt).toISOString(),
        userAgent: s.userAgent,
        current: s.id === req.user!.sessionId,
      }));
    res.set('Cache-Control', 'no-store').json({ sessions });
  });

  router.post('/api/auth/sessions/revoke-others', requireUser, async (req, res) => {
    const { id: userId, sessionId } = req.user!;
    const revoked = ctx.accounts.removeSessions((s) => s.userId === userId && s.id !== sessionId);
    await ctx.accounts.commit();
    ctx.logger.info({ userId, revoked }, 'other sessions revoked');
    res.json({ revoked });
  });

  // Works without a valid session too (it then only clears the cookies), so a client whose
  // session already timed out can still tidy up; a live cookie session still needs CSRF.
  router.post('/api/auth/logout', async (req, res) => {
    let resolved;
    try {
      resolved = await resolveSession(req, { accounts: ctx.accounts, now: ctx.now, policy: ctx.policy });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
    }
    if (resolved) {
      checkCsrf(req, resolved);
      const sessionId = resolved.session.id;
      ctx.accounts.removeSessions((s) => s.id === sessionId);
      await ctx.accounts.commit();
      ctx.logger.info({ userId: resolved.user.id, sessionId }, 'signed out');
    }
    clearSessionCookies(req, res, ctx.policy);
    res.json({ loggedOut: true });
  });
}
