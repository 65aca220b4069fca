import cookieParser from 'cookie-parser';
import express from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { AuthPolicy } from '../auth/authPolicy';
import { createAuthRouter } from '../auth/createAuthRouter';
import type { TrustProxy } from '../config/gatewayConfig';
import { createMailboxRouter } from '../dev/mailboxRouter';
import { errorHandler, notFoundHandler } from '../http/errorHandler';
import type { MailSink } from '../mail/mailSink';
import type { Mailer } from '../mail/mailer';
import type { AccountsStore } from '../store/accountsStore';
import { PUBLIC_UPLOAD_PATH } from '../shares/shareTokens';

export const JSON_BODY_LIMIT = '16kb';
export const RAW_UPLOAD_PATH = '/api/files/upload';
/** The tus server (gateway/src/uploads): its bodies are file bytes, never JSON. */
export const TUS_UPLOADS_PATH = /^\/api\/uploads(\/|$)/i;

export interface MountedRouter {
  path: string;
  router: express.Router;
}

export interface GatewayAppDeps {
  logger: Logger;
  accounts: AccountsStore;
  mailer: Mailer;
  /** The embedded sink when it is in use: mounts GET /api/dev/mailbox. Omit with a real SMTP_URL. */
  mailSink?: MailSink;
  /** Node ids a user may choose as home region, read per request (regions join live). */
  regions: () => readonly string[];
  bcryptCost: number;
  /** Express "trust proxy" (see GatewayConfig.trustProxy); false unless a proxy terminates TLS. */
  trustProxy?: TrustProxy;
  now?: () => number;
  /** Test hook for throttling thresholds; production leaves it out. */
  authPolicy?: Partial<AuthPolicy>;
  /** Further routers (files, mesh, skillshare, dashboard), mounted after auth in this order. */
  routers?: MountedRouter[];
}

/** Builds the gateway's Express app without listening; main.ts owns the server. */
export function createGatewayApp(deps: GatewayAppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? false);
  app.use(helmet());
  const json = express.json({ limit: JSON_BODY_LIMIT });
  // A raw upload (the files API's, or a file dropped through a share link) may well be a .json
  // file: its body is the file, streamed, never parsed. The path is compared as the router
  // matches it (a trailing slash and any case reach the route).
  const isRawUpload = (path: string) => {
    const trimmed = path.replace(/\/+$/, '');
    return trimmed.toLowerCase() === RAW_UPLOAD_PATH || PUBLIC_UPLOAD_PATH.test(trimmed) || TUS_UPLOADS_PATH.test(trimmed);
  };
  app.use((req, res, next) => (isRawUpload(req.path) ? next() : json(req, res, next)));
  // Every API answer is somebody's own data (files, bookings, sessions): never kept by a cache.
  app.use('/api', (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  app.use(cookieParser());

  app.use(
    createAuthRouter({
      accounts: deps.accounts,
      mailer: deps.mailer,
      logger: deps.logger.child({ component: 'auth' }),
      regions: deps.regions,
      bcryptCost: deps.bcryptCost,
      now: deps.now,
      policy: deps.authPolicy,
    }),
  );
  if (deps.mailSink) app.use(createMailboxRouter(deps.mailSink));
  for (const { path, router } of deps.routers ?? []) app.use(path, router);

  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
