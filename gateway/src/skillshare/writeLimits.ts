/**
 * Per-user rate limits on SkillShare writes (DESIGN §9): each write rewrites the store and may
 * send mail, so one account must not be able to do it hundreds of times a second. Keyed by the
 * signed-in user rather than the address, so users behind one NAT do not share a budget;
 * unauthenticated requests never get this far (the limiter sits after requireUser).
 */
import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { AugmentedRequest } from 'express-rate-limit';
import type { Logger } from 'pino';
import { rateLimitedError } from '../http/rateLimitedError';
import { currentUser } from './http';
import type { WriteLimit } from './policy';

export function perUserWriteLimit({ limit, windowMs }: WriteLimit, logger: Logger): RequestHandler {
  return rateLimit({
    windowMs,
    limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => currentUser(req).id,
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
