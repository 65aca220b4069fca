import type { Logger } from 'pino';
import type { PublicUser } from '../api/auth';
import type { Mailer, OutgoingMail } from '../mail/mailer';
import type { AccountsStore } from '../store/accountsStore';
import type { UserRecord } from '../store/accountsSchema';
import { HOUR_MS, type AuthPolicy } from './authPolicy';
import type { DecoyChallenges } from './decoyChallenges';
import type { FailureLimiter } from './failureLimiter';
import type { PasswordHasher } from './passwords';

/** What the auth routes share; built once by createAuthRouter. */
export interface AuthContext {
  accounts: AccountsStore;
  mailer: Mailer;
  logger: Logger;
  now: () => number;
  policy: AuthPolicy;
  passwords: PasswordHasher;
  /** Home regions a user may choose now (a region that joined live becomes one once active). */
  regions: () => readonly string[];
  defaultRegion: () => string;
  loginFailuresByAccount: FailureLimiter;
  loginFailuresByIp: FailureLimiter;
  decoys: DecoyChallenges;
}

export type { PublicUser };

export function publicUser(user: UserRecord): PublicUser {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    region: user.region,
    emailVerified: user.emailVerified,
    createdAt: new Date(user.createdAt).toISOString(),
  };
}

/**
 * For the flows that must not reveal whether an account exists: the answer does not wait for
 * SMTP (a mail that goes out only for real accounts would otherwise show in the timing).
 */
export function sendInBackground(ctx: AuthContext, mail: OutgoingMail): void {
  ctx.mailer.send(mail).catch((error: unknown) => {
    ctx.logger.error({ err: error, subject: mail.subject }, 'could not send mail');
  });
}

/** Drops expired challenges, timed-out sessions, old mail-log entries and wrong codes before a write. */
export function pruneExpired(ctx: AuthContext): void {
  const now = ctx.now();
  ctx.accounts.prune({
    challengesExpiredBefore: now,
    sessionsSeenBefore: now - ctx.policy.sessionIdleMs,
    sessionsCreatedBefore: now - ctx.policy.sessionAbsoluteMs,
    mailLogBefore: now - HOUR_MS,
    unverifiedCreatedBefore: now - ctx.policy.unverifiedAccountTtlMs,
    wrongCodesBefore: now - ctx.policy.wrongCodeWindowMs,
    locksEndedBefore: now,
  });
}
