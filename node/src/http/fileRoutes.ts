import express, { type Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { FILE_NAME_HEADER, listQuerySchema, type FileListPage, type RepairResult, type UsageView } from '../api/files';
import { folderRefSchema, uploadConflictSchema, ON_CONFLICT_HEADER, PARENT_ID_HEADER, ROOT_ALIAS } from '../api/tree';
import { BadCursorError } from '../store/pageCursor';
import { itemNameSchema } from '../tree/itemName';
import { coordinateUpload } from '../replication/uploadCoordinator';
import type { Repairer } from '../replication/repairer';
import { expectedHolders, holdersOf, type ReplicationContext } from '../replication/replicationContext';
import { AppError } from './errors';
import { contentQuery, fileIdsSchema, liveEntry, openDownload } from './fileDownload';
import { parseInput } from './validate';
import { verifyLocalReplica } from './verifyLocalReplica';

const userSchema = fileIdsSchema.pick({ userId: true });
const searchSchema = z.object({ q: z.string().min(1).max(255), limit: z.coerce.number().int().min(1).max(200).default(50) });
const mimeSchema = z.string().max(255).regex(/^[\w.+-]+\/[\w.+-]+$/, 'a MIME type such as text/plain');

/** An AbortSignal that fires when the client goes away before the response is done. */
export function clientGone(res: Response): AbortSignal {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}

/** The public file API of a node (DESIGN §6), used by the gateway. */
export function fileRoutes(ctx: ReplicationContext, repairer: Repairer): express.Router {
  const router = express.Router();

  router.put('/v1/files/:userId/:fileId', async (req, res) => {
    const { userId, fileId } = parseInput(fileIdsSchema, req.params, 'path');
    const rawName = req.header(FILE_NAME_HEADER);
    let decodedName: string | undefined;
    try {
      decodedName = rawName === undefined ? undefined : decodeURIComponent(rawName);
    } catch {
      throw new AppError('invalid_request', `${FILE_NAME_HEADER}: not valid URI encoding`);
    }
    const name = parseInput(itemNameSchema, decodedName ?? 'unnamed', FILE_NAME_HEADER);
    const onConflict = parseInput(uploadConflictSchema.default('version'), req.header(ON_CONFLICT_HEADER), ON_CONFLICT_HEADER);
    const parentRef = parseInput(folderRefSchema.default(ROOT_ALIAS), req.header(PARENT_ID_HEADER), PARENT_ID_HEADER);
    const mime = parseInput(mimeSchema, (req.header('content-type') ?? 'application/octet-stream').split(';')[0]!.trim(), 'content-type');
    const length = req.header('content-length');
    const contentLength = length === undefined ? undefined : parseInput(z.coerce.number().int().nonnegative(), length, 'content-length');
    // Refused before a byte is read: no folder, or (with `fail`) a name already taken.
    const parentId = ctx.tree.checkUpload(userId, parentRef, name, onConflict);
    const file = await coordinateUpload(ctx, { userId, fileId, name, parentId, onConflict, mime, contentLength, body: req, signal: clientGone(res) });
    res.status(201).json({ file });
  });

  const usageOf = (userId: string): UsageView => ctx.tree.usage(userId);

  /** One page of a folder, in the asked order: O(log n + page) whatever the user holds. */
  router.get('/v1/files/:userId', (req, res) => {
    const { userId } = parseInput(userSchema, req.params, 'path');
    const query = parseInput(listQuerySchema, req.query, 'query');
    const started = performance.now();
    let page;
    try {
      page = ctx.catalog.page(userId, query);
    } catch (error) {
      if (error instanceof BadCursorError) throw new AppError('invalid_request', error.message);
      throw error;
    }
    const files = ctx.catalog.views(page.entries, (entry) => holdersOf(ctx, entry));
    // What the page cost this node, apart from the network and the queue in front of it.
    res.setHeader('Server-Timing', `page;dur=${(performance.now() - started).toFixed(2)}`);
    res.json({ files, ...(page.cursor ? { cursor: page.cursor } : {}), usage: usageOf(userId) } satisfies FileListPage);
  });

  /** The quota in O(1): what the gateway asks before an upload. */
  router.get('/v1/users/:userId/usage', (req, res) => {
    const { userId } = parseInput(userSchema, req.params, 'path');
    res.json(usageOf(userId));
  });

  router.get('/v1/users/:userId/search', (req, res) => {
    const { userId } = parseInput(userSchema, req.params, 'path');
    const { q, limit } = parseInput(searchSchema, req.query, 'query');
    const files = ctx.catalog.views(ctx.catalog.search(userId, q, limit), (entry) => holdersOf(ctx, entry));
    res.json({ files });
  });

  router.get('/v1/files/:userId/:fileId', async (req, res) => {
    const entry = liveEntry(ctx, req.params, contentQuery(req.url.split('?')[1]));
    const answer = await openDownload(ctx, entry, req.header('range'));
    res.status(answer.status);
    // setHeader, not res.set: Express would append a charset to text types the file never had.
    for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
    if (!answer.body) {
      res.end();
      return;
    }
    try {
      await pipeline(answer.body, res);
    } catch (error) {
      // Headers are gone; all that is left is to cut the response short so the client notices.
      ctx.logger.warn({ fileId: entry.fileId, err: error }, 'download interrupted');
      res.destroy();
    }
  });

  router.delete('/v1/files/:userId/:fileId', async (req, res) => {
    const entry = liveEntry(ctx, req.params);
    try {
      // To the trash (DESIGN §8): its name is free again, its contents kept until purged.
      await ctx.tree.delete(entry.ownerId, entry.itemId ?? entry.fileId);
    } catch (error) {
      // A file whose folder has not reached this region yet is not in the tree here: delete the entry alone.
      if (!(error instanceof AppError && error.code === 'not_found')) throw error;
      await ctx.catalog.deleteEntry(entry.ownerId, entry.fileId);
      await ctx.blobs.remove(entry.ownerId, entry.fileId);
      await ctx.catalog.clearOwnReplica(entry.ownerId, entry.fileId);
    }
    res.json({ deleted: true, fileId: entry.itemId ?? entry.fileId });
  });

  router.post('/v1/files/:userId/:fileId/repair', async (req, res) => {
    const entry = liveEntry(ctx, req.params);
    if (entry.inline) {
      // Nothing to repair by hand: anti-entropy brings the index, bytes included, to every node.
      const { replicas } = ctx.catalog.view(entry, holdersOf(ctx, entry));
      const results = Object.entries(replicas).map(([node, state]): RepairResult => ({ node, before: state, after: state, repaired: false }));
      res.json({ fileId: entry.fileId, results });
      return;
    }
    const results: RepairResult[] = await Promise.all(
      expectedHolders(ctx, entry.fileId).map(async (node) => {
        if (node === ctx.self) return verifyLocalReplica(ctx, repairer, entry);
        return ctx.peers.verifyReplica(node, entry.ownerId, entry.fileId).catch(
          (): RepairResult => ({ node, before: 'unreachable', after: 'unreachable', repaired: false }),
        );
      }),
    );
    res.json({ fileId: entry.fileId, results });
  });

  return router;
}
