import { randomUUID } from 'node:crypto';
import express, { type Request, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { ItemView } from '../../../node/src/api/tree';
import type { ClientShare, ShareListResponse, ShareResponse, ShareState } from '../api/shares';
import { isCommonPassword, type PasswordHasher } from '../auth/passwords';
import { AppError } from '../errors';
import { parseInput } from '../http/parseInput';
import { perUserRateLimit, type WriteLimit } from '../http/perUserRateLimit';
import type { ShareAccess } from './shareAccess';
import type { SharePolicy } from './sharePolicy';
import { createShareSchema, shareIdSchema, updateShareSchema } from './shareSchemas';
import type { ShareRecord, ShareStore } from './shareStore';
import { newShareToken } from './shareTokens';
import { toClientShare } from './shareViews';

export interface OwnerRoutesDeps {
  shares: ShareStore;
  access: ShareAccess;
  passwords: PasswordHasher;
  requireUser: RequestHandler;
  policy: SharePolicy;
  writeLimit: WriteLimit;
  now: () => number;
  logger: Logger;
}

/** Item lookups at once while listing a user's links: a long list must not take every node socket. */
const LIST_LOOKUPS_AT_ONCE = 8;

/**
 * The owner's side (DESIGN §8): POST/GET /api/shares, PATCH/DELETE /api/shares/:id. Behind the
 * session (requireUser, with its CSRF check for cookie writes); another user's link id is 404.
 */
export function createOwnerShareRoutes(deps: OwnerRoutesDeps): express.Router {
  const router = express.Router();
  const { shares, access } = deps;
  const writeLimit = perUserRateLimit(deps.writeLimit, deps.logger);
  const origin = (req: Request) => `${req.protocol}://${req.get('host')}`;

  const ownShare = (req: Request): ShareRecord => {
    const id = parseInput(shareIdSchema, req.params.id, 'id');
    const share = shares.byId(id);
    if (!share || share.ownerId !== req.user!.id) throw new AppError('not_found', 'No such link.');
    return share;
  };

  const stateOf = (share: ShareRecord, item: ItemView | undefined): ShareState => {
    if (!item || item.kind !== share.kind) return 'item_missing';
    if (share.expiresAt !== null && Date.parse(share.expiresAt) <= deps.now()) return 'expired';
    return access.isUsable(share) ? 'active' : 'used_up';
  };

  const view = async (req: Request, share: ShareRecord, known?: ItemView): Promise<ClientShare> => {
    const item = known ?? (await access.lookup(req.user!.region, req.user!.id, share.itemId));
    return toClientShare(share, origin(req), stateOf(share, item), item);
  };

  const hashPassword = async (password: string): Promise<string> => {
    if (await isCommonPassword(password)) throw new AppError('weak_password');
    return deps.passwords.hash(password);
  };

  const futureExpiry = (expiresAt: string): string => {
    if (Date.parse(expiresAt) <= deps.now()) throw new AppError('invalid_request', 'expiresAt: must be in the future');
    return new Date(expiresAt).toISOString();
  };

  router.post('/api/shares', deps.requireUser, writeLimit, async (req, res) => {
    const user = req.user!;
    const body = parseInput(createShareSchema, req.body);
    if (shares.ofOwner(user.id).length >= deps.policy.sharesPerUser) {
      throw new AppError('conflict', `You have ${deps.policy.sharesPerUser} links already; revoke some first.`);
    }
    const item = await access.lookup(user.region, user.id, body.itemId);
    if (!item) throw new AppError('not_found', 'No such file or folder.');
    if (body.uploadOnly && item.kind !== 'folder') throw new AppError('invalid_request', 'uploadOnly: only a folder can take uploads');
    if (body.uploadOnly && body.maxDownloads !== undefined) throw new AppError('invalid_request', 'maxDownloads: an upload-only link has nothing to download');
    const share: ShareRecord = {
      id: randomUUID(),
      token: newShareToken(),
      ownerId: user.id,
      itemId: item.id,
      kind: item.kind,
      itemName: item.name,
      passwordHash: body.password !== undefined ? await hashPassword(body.password) : null,
      passwordVersion: 0,
      expiresAt: body.expiresAt !== undefined ? futureExpiry(body.expiresAt) : null,
      maxDownloads: body.maxDownloads ?? null,
      downloads: 0,
      uploadOnly: body.uploadOnly ?? false,
      createdAt: new Date(deps.now()).toISOString(),
    };
    shares.add(share);
    await shares.commit();
    deps.logger.info({ userId: user.id, shareId: share.id, itemId: item.id, kind: item.kind, uploadOnly: share.uploadOnly }, 'share link created');
    res.status(201).json({ share: await view(req, share, item) } satisfies ShareResponse);
  });

  router.get('/api/shares', deps.requireUser, async (req, res) => {
    const mine = shares.ofOwner(req.user!.id).toSorted((a, b) => b.createdAt.localeCompare(a.createdAt));
    const views: ClientShare[] = new Array(mine.length);
    let next = 0;
    const worker = async () => {
      while (next < mine.length) {
        const at = next++;
        views[at] = await view(req, mine[at]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(LIST_LOOKUPS_AT_ONCE, mine.length) }, worker));
    res.json({ shares: views } satisfies ShareListResponse);
  });

  router.patch('/api/shares/:id', deps.requireUser, writeLimit, async (req, res) => {
    const share = ownShare(req);
    const body = parseInput(updateShareSchema, req.body);
    if (body.maxDownloads != null && share.uploadOnly) throw new AppError('invalid_request', 'maxDownloads: an upload-only link has nothing to download');
    // Checked and hashed before anything changes: a refused password leaves the link as it was.
    const passwordHash = body.password === undefined ? share.passwordHash : body.password === null ? null : await hashPassword(body.password);
    const expiresAt = body.expiresAt === undefined ? share.expiresAt : body.expiresAt === null ? null : futureExpiry(body.expiresAt);
    if (body.password !== undefined) {
      share.passwordHash = passwordHash;
      // Browsers unlocked with the old password must give the new one.
      share.passwordVersion++;
    }
    share.expiresAt = expiresAt;
    if (body.maxDownloads !== undefined) share.maxDownloads = body.maxDownloads;
    await shares.commit();
    deps.logger.info({ userId: req.user!.id, shareId: share.id, changed: Object.keys(body) }, 'share link changed');
    res.json({ share: await view(req, share) } satisfies ShareResponse);
  });

  router.delete('/api/shares/:id', deps.requireUser, writeLimit, async (req, res) => {
    const share = ownShare(req);
    shares.remove(share.id);
    await shares.commit();
    deps.logger.info({ userId: req.user!.id, shareId: share.id }, 'share link revoked');
    res.json({ deleted: true, id: share.id });
  });

  return router;
}
