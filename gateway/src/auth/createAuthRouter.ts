import express from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Logger } from 'pino';
import type { Mailer } from '../mail/mailer';
import type { AccountsStore } from '../store/accountsStore';
import { AppError } from '../errors';
import type { AuthContext } from './authContext';
import { DEFAULT_AUTH_POLICY, type AuthPolicy } from './authPolicy';
import { DecoyChallenges } from './decoyChallenges';
import { FailureLimiter } from './failureLimiter';
import { mountLoginRoutes } from './loginRoutes';
import { createPasswordHasher } from './passwords';
import { mountPasswordRoutes } from './passwordRoutes';
import { mountResendRoutes } from './resendRoutes';
import { createRequireUser } from './requireUser';
import { mountSessionRoutes } from './sessionRoutes';
import { mountSignupRoutes } from './signupRoutes';

export interface AuthRouterDeps {
  accounts: AccountsStore;
  mailer: Mailer;
  logger: Logger;
  /** Node ids a user may pick as home region, read per request (regions join live). */
  regions: () => readonly string[];
  bcryptCost: number;
  now?: () => number;
  policy?: Partial<AuthPolicy>;
}

export const PREFERRED_DEFAULT_REGION = 'us-east';

/** Sign-up, login with the emailed second step, password reset and the account screen. */
export function createAuthRouter(deps: AuthRouterDeps): express.Router {
  if (deps.regions().length === 0) throw new Error('createAuthRouter: at least one region is needed');
  const now = deps.now ?? Date.now;
  const policy: AuthPolicy = { ...DEFAULT_AUTH_POLICY, ...deps.policy };
  const ctx: AuthContext = {
    accounts: deps.accounts,
    mailer: deps.mailer,
    logger: deps.logger,
    now,
    policy,
    passwords: createPasswordHasher(deps.bcryptCost),
    regions: deps.regions,
    defaultRegion: () => {
      const regions = deps.regions();
      return regions.includes(PREFERRED_DEFAULT_REGION) ? PREFERRED_DEFAULT_REGION : regions[0]!;
    },
    loginFailuresByAccount: new FailureLimiter(policy.loginFailuresPerAccount, policy.loginFailureWindowMs, now),
    loginFailuresByIp: new FailureLimiter(policy.loginFailuresPerIp, policy.loginFailureWindowMs, now),
    decoys: new DecoyChallenges(),
  };
  const requireUser = createRequireUser({ accounts: deps.accounts, now, policy, logger: deps.logger });

  const router = express.Router();
  // A coarse per-IP ceiling on every auth POST (mail triggers included); the finer per-account
  // and per-address limits live in the handlers.
  const perIpLimit = rateLimit({
    windowMs: policy.authRequestWindowMs,
    limit: policy.authRequestsPerIp,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, _res, next) => next(new AppError('rate_limited')),
  });
  router.post(['/register', '/api/auth/*splat'], perIpLimit);
  mountSignupRoutes(router, ctx);
  mountLoginRoutes(router, ctx);
  mountResendRoutes(router, ctx);
  mountPasswordRoutes(router, ctx, requireUser);
  mountSessionRoutes(router, ctx, requireUser);
  return router;
}
