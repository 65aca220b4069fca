import fs from 'node:fs';
import express, { type Request, type RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Logger } from 'pino';
import type { PublicShareResponse, UnlockShareResponse } from '../api/shares';
import { FailureLimiter } from '../auth/failureLimiter';
import type { PasswordHasher } from '../auth/passwords';
import { AppError } from '../errors';
import { parseInput } from '../http/parseInput';
import { clientIp, rateLimitedError } from '../http/rateLimitedError';
import type { TreeClient } from '../files/treeClient';
import type { NodeRouting } from '../files/nodeRouting';
import type { ThumbnailService } from '../previews/thumbnailService';
import type { DownloadLimits } from './downloadLimits';
import type { createDropUpload } from './dropUpload';
import type { createPublicDownload } from './publicDownload';
import { linkNotFound, type LiveShare, type ShareAccess } from './shareAccess';
import type { SharePolicy } from './sharePolicy';
import { publicDownloadQuerySchema, publicListQuerySchema, publicThumbnailQuerySchema, unlockSchema } from './shareSchemas';
import { UnlockCookies } from './shareTokens';
import { pathWithinShare, toPublicItem } from './shareViews';

export interface PublicRoutesDeps {
  access: ShareAccess;
  routing: NodeRouting;
  tree: TreeClient;
  limits: DownloadLimits;
  passwords: PasswordHasher;
  download: ReturnType<typeof createPublicDownload>;
  dropUpload: ReturnType<typeof createDropUpload>;
  /** The file manager's thumbnails (previews/): a shared folder's pictures show them too. */
  thumbnails?: Pick<ThumbnailService, 'check' | 'thumbnail'>;
  policy: SharePolicy;
  /** The built dashboard's index.html, served for /s/:token with this page's own headers. */
  dashboardIndex: string;
  now: () => number;
  logger: Logger;
}

/** Headers of every public answer: nothing cached, nothing indexed, no Referer (the token) sent on. */
const publicHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Robots-Tag', 'noindex, nofollow');
  next();
};

function perIpLimit(limit: number, windowMs: number): RequestHandler {
  return rateLimit({
    windowMs,
    limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (req, _res, next) => {
      const resetAt = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime?.getTime() ?? Date.now() + windowMs;
      next(rateLimitedError(resetAt - Date.now()));
    },
  });
}

/**
 * What a visitor without an account may do with a link (DESIGN §8): the page /s/:token, the
 * link's item or a folder inside it, unlocking with the password, downloading and dropping
 * files. Every link that does not work answers the same 404 (see ShareAccess); wrong passwords
 * are throttled per link and per address; every endpoint is rate-limited per address.
 */
export function createPublicShareRoutes(deps: PublicRoutesDeps): express.Router {
  const router = express.Router();
  const { access, policy } = deps;
  const unlock = new UnlockCookies(policy.unlockTtlMs, deps.now);
  const failuresByShare = new FailureLimiter(policy.passwordFailuresPerShare, policy.passwordFailureWindowMs, deps.now);
  const failuresByIp = new FailureLimiter(policy.passwordFailuresPerIp, policy.passwordFailureWindowMs, deps.now);
  const token = (req: Request) => String(req.params.token);

  const isLocked = (req: Request, live: LiveShare) => live.share.passwordHash !== null && !unlock.isUnlocked(req, live.share);
  const requireUnlocked = (req: Request, live: LiveShare) => {
    if (isLocked(req, live)) throw new AppError('forbidden', 'Enter the link’s password first.');
  };

  router.use(['/s', '/api/public/shares'], publicHeaders, perIpLimit(policy.publicRequestsPerIp, policy.publicRequestWindowMs));

  // The page itself is the dashboard's; served here so that it keeps the public headers above.
  router.get('/s/:token', (req, res, next) => {
    if (req.accepts(['html', 'json']) !== 'html' || !fs.existsSync(deps.dashboardIndex)) return next();
    res.sendFile(deps.dashboardIndex, { headers: { 'Cache-Control': 'no-store' } });
  });

  router.get('/api/public/shares/:token', async (req, res) => {
    const query = parseInput(publicListQuerySchema, req.query, 'query');
    const live = await access.open(token(req));
    const { share } = live;
    const base = { needsPassword: false, uploadOnly: share.uploadOnly, expiresAt: share.expiresAt, downloadsLeft: deps.limits.left(share) };
    if (isLocked(req, live)) {
      if (query.folder !== undefined && share.kind !== 'folder') throw linkNotFound();
      res.json({ ...base, item: null, needsPassword: true } satisfies PublicShareResponse);
      return;
    }
    const item = toPublicItem(live.item, share.itemId);
    // A drop box shows its name and nothing of what it holds.
    if (share.kind === 'file' || share.uploadOnly) {
      if (query.folder !== undefined) throw linkNotFound();
      res.json({ ...base, item } satisfies PublicShareResponse);
      return;
    }
    const folder = await access.within(live, query.folder);
    if (folder.kind !== 'folder') throw linkNotFound();
    const page = await deps.routing.onFirstNode(live.region, (node) => deps.tree.folderPage(node, live.ownerId, folder.id, query), 'No such folder.');
    res.json({
      ...base,
      item,
      folder: { id: folder.id, name: folder.name, path: folder.id === share.itemId ? [] : pathWithinShare(folder.path, share.itemId) },
      items: page.items.map((child) => toPublicItem(child, share.itemId)),
      ...(page.cursor ? { cursor: page.cursor } : {}),
    } satisfies PublicShareResponse);
  });

  router.post('/api/public/shares/:token/unlock', async (req, res) => {
    const body = parseInput(unlockSchema, req.body);
    const ip = clientIp(req);
    const ipWait = failuresByIp.retryAfterMs(ip);
    if (ipWait > 0) throw rateLimitedError(ipWait);
    let live: LiveShare;
    try {
      live = await access.open(token(req));
    } catch (error) {
      // A guess at a link costs what a guess at a password costs, and counts the same.
      if (error instanceof AppError && error.code === 'not_found') {
        failuresByIp.fail(ip);
        await deps.passwords.verifyAgainstNothing(body.password);
      }
      throw error;
    }
    const { share } = live;
    if (share.passwordHash === null) {
      res.json({ unlocked: true } satisfies UnlockShareResponse);
      return;
    }
    const wait = Math.max(failuresByShare.retryAfterMs(share.id), failuresByIp.retryAfterMs(ip));
    if (wait > 0) throw rateLimitedError(wait);
    // Counted before the slow compare, so that parallel guesses cannot all slip under the limit.
    failuresByShare.fail(share.id);
    failuresByIp.fail(ip);
    const passwordHash = share.passwordHash;
    if (!(await deps.passwords.verify(body.password, passwordHash))) {
      deps.logger.info({ shareId: share.id, ip }, 'wrong share password');
      throw new AppError('invalid_credentials', 'That password is not right.');
    }
    failuresByShare.forgiveLast(share.id);
    failuresByIp.forgiveLast(ip);
    // The password may have changed during the compare: the cookie is for the one that matched.
    if (share.passwordHash !== passwordHash) throw new AppError('invalid_credentials', 'That password is not right.');
    unlock.issue(req, res, token(req), share);
    res.json({ unlocked: true } satisfies UnlockShareResponse);
  });

  router.get('/api/public/shares/:token/download', async (req, res) => {
    const query = parseInput(publicDownloadQuerySchema, req.query, 'query');
    const live = await access.open(token(req));
    if (live.share.uploadOnly) throw linkNotFound();
    requireUnlocked(req, live);
    const item = await access.within(live, query.item);
    if (item.kind === 'folder') await deps.download.folderZip(req, res, live, item);
    else await deps.download.file(req, res, live, item, query.inline === '1');
  });

  // A thumbnail is a small picture of the file, not its content: it never counts as a download.
  // Not kept by the browser either (no-store, as every public answer): the link may stop working.
  router.get('/api/public/shares/:token/thumbnail', async (req, res) => {
    const query = parseInput(publicThumbnailQuerySchema, req.query, 'query');
    const live = await access.open(token(req));
    if (live.share.uploadOnly || !deps.thumbnails) throw linkNotFound();
    requireUnlocked(req, live);
    const item = await access.within(live, query.item);
    if (item.kind !== 'file') throw new AppError('preview_unavailable', 'A folder has no thumbnail.');
    const file = { id: item.id, sha256: item.sha256 ?? '', mime: item.mime ?? '', size: item.size };
    deps.thumbnails.check(file);
    const thumbnail = await deps.thumbnails.thumbnail({ id: live.ownerId, region: live.region }, file, query.size);
    res.set({ 'Content-Type': thumbnail.mime, 'Content-Length': String(thumbnail.bytes.length), 'X-Content-Type-Options': 'nosniff' });
    res.end(thumbnail.bytes);
  });

  router.post('/api/public/shares/:token/upload', perIpLimit(policy.publicUploadsPerIp, policy.publicRequestWindowMs), async (req, res) => {
    const live = await access.open(token(req));
    if (!live.share.uploadOnly) throw linkNotFound();
    requireUnlocked(req, live);
    await deps.dropUpload(req, res, live);
  });

  return router;
}
