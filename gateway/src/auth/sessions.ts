import { randomUUID } from 'node:crypto';
import type { AccountsStore } from '../store/accountsStore';
import type { SessionRecord, UserRecord } from '../store/accountsSchema';
import type { AuthPolicy } from './authPolicy';
import { newToken, sha256Hex } from './secrets';

export interface IssuedSession {
  session: SessionRecord;
  /** Given to the client once; only its SHA-256 is stored. */
  token: string;
  csrfToken: string;
}

export type SessionLookup =
  | { state: 'valid'; session: SessionRecord; user: UserRecord }
  | { state: 'expired' }
  | { state: 'unknown' };

export function createSession(store: AccountsStore, user: UserRecord, userAgent: string, now: number): IssuedSession {
  const token = newToken();
  const csrfToken = newToken();
  const session: SessionRecord = {
    id: randomUUID(),
    userId: user.id,
    tokenHash: sha256Hex(token),
    csrfHash: sha256Hex(csrfToken),
    createdAt: now,
    lastSeenAt: now,
    userAgent: userAgent.slice(0, 300),
  };
  store.addSession(session);
  return { session, token, csrfToken };
}

export function isExpired(session: SessionRecord, now: number, policy: AuthPolicy): boolean {
  return now - session.lastSeenAt > policy.sessionIdleMs || now - session.createdAt > policy.sessionAbsoluteMs;
}

/**
 * Finds the session a token belongs to. An expired one is removed (the caller commits), so a
 * token that timed out never comes back to life.
 */
export function lookupSession(store: AccountsStore, token: string, now: number, policy: AuthPolicy): SessionLookup {
  const session = store.sessionByTokenHash(sha256Hex(token));
  if (!session) return { state: 'unknown' };
  const user = store.userById(session.userId);
  if (!user) {
    store.removeSessions((s) => s.id === session.id);
    return { state: 'unknown' };
  }
  if (isExpired(session, now, policy)) {
    store.removeSessions((s) => s.id === session.id);
    return { state: 'expired' };
  }
  return { state: 'valid', session, user };
}

/** Refreshes lastSeenAt; says whether it is worth a write (at most once per persist interval). */
export function touchSession(session: SessionRecord, now: number, policy: AuthPolicy): boolean {
  const persist = now - session.lastSeenAt >= policy.sessionTouchPersistMs;
  session.lastSeenAt = now;
  return persist;
}
