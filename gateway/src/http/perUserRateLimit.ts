/**
 * Per-user rate limits on writes (DESIGN §9: SkillShare bookings and profiles, fault
 * injection): each may rewrite a store, send mail or change the mesh, so one account must not
 * do it hundreds of times a second. Keyed by the signed-in user rather than the address, so
 * users behind one NAT do not share a budget; it sits after requireUser.
 */
import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { AugmentedRequest } from 'express-rate-limit';
import type { Logger } from 'pino';
import type { AuthenticatedUser } from '../auth/authenticatedUser';
import { AppError } from '../errors';
import { rateLimitedError } from './rateLimitedError';

/** At most `limit` requests per user in each window of `windowMs`. */
export interface WriteLimit {
  readonly limit: number;
  readonly windowMs: number;
}

export function perUserRateLimit({ limit, windowMs }: WriteLimit, logger: Logger): RequestHandler {
  return rateLimit({
    windowMs,
    limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // express-rate-limit types the request with its own copy of Express's types.
    keyGenerator: (req) => {
      const user = (req as { user?: AuthenticatedUser }).user;
      if (!user) throw new AppError('unauthenticated');
      return user.id;
    },
    // The answer goes through the error handler like every other, in the project's JSON shape.
    handler: (req, _res, next) => {
      const resetAt = (req as AugmentedRequest).rateLimit.resetTime?.getTime() ?? Date.now() + windowMs;
      next(rateLimitedError(resetAt - Date.now()));
    },
    // The address checks guard IP-keyed limiters; this one is keyed by user.
    validate: { ip: false, trustProxy: false, xForwardedForHeader: false, forwardedHeader: false, keyGeneratorIpFallback: false },
    logger: {
      warn: (message: unknown) => logger.warn({ detail: message }, 'rate limiter warning'),
      error: (message: unknown) => logger.error({ err: message }, 'rate limiter error'),
    },
  });
}
