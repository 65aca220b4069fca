import { Router } from 'express';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Mailer } from '../mail/mailer';
import { createBookingService } from './bookingService';
import { DEFAULT_POLICY } from './policy';
import type { SkillsharePolicy } from './policy';
import { bookingRoutes } from './routes/bookingRoutes';
import { catalogueRoutes } from './routes/catalogueRoutes';
import { teacherRoutes } from './routes/teacherRoutes';
import type { SkillshareStore } from './store';
import { perUserRateLimit } from '../http/perUserRateLimit';

export interface SkillshareDeps {
  store: SkillshareStore;
  mailer: Mailer;
  /** Sets req.user or answers 401; applied to every route that acts for a user. */
  requireUser: RequestHandler;
  now: () => number;
  logger: Logger;
  /** Marketplace rules; DEFAULT_POLICY unless a test needs others. */
  policy?: SkillsharePolicy;
}

/** The SkillShare API with relative paths; the gateway mounts it at `/api/skillshare`. */
export function createSkillshareRouter(deps: SkillshareDeps): Router {
  const policy = deps.policy ?? DEFAULT_POLICY;
  const logger = deps.logger.child({ component: 'skillshare' });
  const service = createBookingService({ store: deps.store, mailer: deps.mailer, now: deps.now, logger, policy });
  const teacherWrites = perUserRateLimit(policy.teacherWriteLimit, logger);
  const bookingWrites = perUserRateLimit(policy.bookingWriteLimit, logger);
  const router = Router();
  // `/teachers/me` first, so that "me" is never taken for a teacher id.
  router.use(teacherRoutes({ store: deps.store, requireUser: deps.requireUser, writeLimit: teacherWrites, now: deps.now, logger, policy }));
  router.use(catalogueRoutes(deps.store, deps.now, policy));
  router.use(bookingRoutes(service, deps.requireUser, bookingWrites));
  return router;
}
