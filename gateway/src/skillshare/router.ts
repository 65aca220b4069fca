import { Router } from 'express';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Mailer } from '../mail/mailer';
import { createBookingService } from './bookingService';
import { DEFAULT_POLICY } from './policy';
import type { SkillsharePolicy } from './policy';
import type { TeacherContact } from './notifications';
import { optionalUser } from './optionalUser';
import type { PhotoStore } from './photos/photoStore';
import { bookingRoutes } from './routes/bookingRoutes';
import { photoRoutes } from './routes/photoRoutes';
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
  /** The account behind a teacher profile, for the teacher's mails; without it they get none. */
  contactOf?: (userId: string) => TeacherContact | undefined;
  /** Where teacher photos are kept (the mesh); without it the photo routes answer 503. */
  photos?: PhotoStore;
}

/** The SkillShare API with relative paths; the gateway mounts it at `/api/skillshare`. */
export function createSkillshareRouter(deps: SkillshareDeps): Router {
  const policy = deps.policy ?? DEFAULT_POLICY;
  const logger = deps.logger.child({ component: 'skillshare' });
  const contactOf = deps.contactOf ?? (() => undefined);
  const service = createBookingService({ store: deps.store, mailer: deps.mailer, now: deps.now, logger, policy, contactOf });
  const teacherWrites = perUserRateLimit(policy.teacherWriteLimit, logger);
  const bookingWrites = perUserRateLimit(policy.bookingWriteLimit, logger);
  const router = Router();
  // `/teachers/me` first, so that "me" is never taken for a teacher id.
  router.use(teacherRoutes({ store: deps.store, requireUser: deps.requireUser, writeLimit: teacherWrites, now: deps.now, logger, policy, service }));
  router.use(photoRoutes({ store: deps.store, photos: deps.photos, requireUser: deps.requireUser, writeLimit: teacherWrites, now: deps.now, logger }));
  router.use(catalogueRoutes(deps.store, deps.now, policy, optionalUser(deps.requireUser)));
  router.use(bookingRoutes(service, deps.requireUser, bookingWrites));
  return router;
}
