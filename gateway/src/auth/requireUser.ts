import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { AppError } from '../errors';
import type { AccountsStore } from '../store/accountsStore';
import type { SessionRecord, UserRecord } from '../store/accountsSchema';
import type { AuthenticatedUser } from './authenticatedUser';
import { DEFAULT_AUTH_POLICY, type AuthPolicy } from './authPolicy';
import { CSRF_HEADER, isStateChanging, presentedToken } from './credentials';
import { hexEquals, sha256Hex } from './secrets';
import { lookupSession, touchSession } from './sessions';

export interface RequireUserDeps {
  accounts: AccountsStore;
  now?: () => number;
  policy?: AuthPolicy;
  logger?: Logger;
}

export interface ResolvedSession {
  session: SessionRecord;
  user: UserRecord;
  via: 'bearer' | 'cookie';
}

/**
 * Synchronizer token: the X-CSRF-Token header must hash to the value stored with the session.
 * A cross-site page can make the browser send the cookie but cannot read the CSRF cookie.
 */
export function checkCsrf(req: Request, resolved: ResolvedSession): void {
  if (resolved.via !== 'cookie' || !isStateChanging(req.method)) return;
  const header = req.get(CSRF_HEADER);
  if (!header || !hexEquals(sha256Hex(header), resolved.session.csrfHash)) throw new AppError('csrf_failed');
}

/** The session behind the request, or why there is none (401 unauthenticated / session_expired). */
export async function resolveSession(req: Request, deps: Required<Omit<RequireUserDeps, 'logger'>>): Promise<ResolvedSession> {
  const presented = presentedToken(req);
  if (!presented) throw new AppError('unauthenticated');
  const found = lookupSession(deps.accounts, presented.token, deps.now(), deps.policy);
  if (found.state === 'expired') {
    await deps.accounts.commit();
    throw new AppError('session_expired');
  }
  if (found.state === 'unknown') throw new AppError('unauthenticated');
  return { session: found.session, user: found.user, via: presented.via };
}

export function toAuthenticatedUser({ session, user }: ResolvedSession): AuthenticatedUser {
  return { id: user.id, email: user.email, name: user.name, region: user.region, sessionId: session.id };
}

/**
 * The session middleware every protected router uses: sets req.user, refreshes the idle
 * timer, and demands the CSRF token on state-changing requests that came with the cookie.
 */
export function createRequireUser(deps: RequireUserDeps): RequestHandler {
  const resolvedDeps = { accounts: deps.accounts, now: deps.now ?? Date.now, policy: deps.policy ?? DEFAULT_AUTH_POLICY };
  return async (req, _res, next) => {
    const resolved = await resolveSession(req, resolvedDeps);
    checkCsrf(req, resolved);
    if (touchSession(resolved.session, resolvedDeps.now(), resolvedDeps.policy)) {
      // Losing a lastSeenAt update only shortens the idle window; never fail the request for it.
      await deps.accounts.commit().catch((error: unknown) => deps.logger?.warn({ err: error }, 'could not persist lastSeenAt'));
    }
    req.user = toAuthenticatedUser(resolved);
    next();
  };
}
