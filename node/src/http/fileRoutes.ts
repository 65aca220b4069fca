import express, { type Request, type Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { FILE_NAME_HEADER, SERVED_BY_HEADER, type FileEntry, type RepairResult } from '../api/files';
import { isUuid } from '../storage/layout';
import { coordinateUpload } from '../replication/uploadCoordinator';
import { openFile } from '../replication/downloads';
import type { Repairer } from '../replication/repairer';
import { expectedHolders, type ReplicationContext } from '../replication/replicationContext';
import { AppError } from './errors';
import { parseByteRange } from './byteRange';
import { parseInput } from './validate';

const idsSchema = z.object({
  userId: z.string().refine(isUuid, 'a lower-case UUID'),
  fileId: z.string().refine(isUuid, 'a lower-case UUID'),
});
const userSchema = idsSchema.pick({ userId: true });
// Names are metadata only (never a path); control characters would break headers and logs.
const nameSchema = z.string().min(1).max(1024).regex(/^[^\u0000-\u001f\u007f]+$/, 'a name without control characters');
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

  const liveEntry = (req: Request): FileEntry => {
    const { userId, fileId } = parseInput(idsSchema, req.params, 'path');
    const entry = ctx.catalog.entry(userId, fileId);
    if (!entry) throw new AppError('not_found', `No file ${fileId}.`);
    return entry;
  };

  router.put('/v1/files/:userId/:fileId', async (req, res) => {
    const { userId, fileId } = parseInput(idsSchema, req.params, 'path');
    const rawName = req.header(FILE_NAME_HEADER);
    let decodedName: string | undefined;
    try {
      decodedName = rawName === undefined ? undefined : decodeURIComponent(rawName);
    } catch {
      throw new AppError('invalid_request', `${FILE_NAME_HEADER}: not valid URI encoding`);
    }
    const name = parseInput(nameSchema, decodedName ?? 'unnamed', FILE_NAME_HEADER);
    const mime = parseInput(mimeSchema, (req.header('content-type') ?? 'application/octet-stream').split(';')[0]!.trim(), 'content-type');
    const length = req.header('content-length');
    const contentLength = length === undefined ? undefined : parseInput(z.coerce.number().int().nonnegative(), length, 'content-length');
    const file = await coordinateUpload(ctx, { userId, fileId, name, mime, contentLength, body: req, signal: clientGone(res) });
    res.status(201).json({ file });
  });

  router.get('/v1/files/:userId', (req, res) => {
    const { userId } = parseInput(userSchema, req.params, 'path');
    const files = ctx.catalog
      .entries(userId)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .map((entry) => ctx.catalog.view(entry, expectedHolders(ctx, entry.fileId)));
    res.json({ files, usage: { used: ctx.ledger.used(userId), limit: ctx.ledger.limit(userId) } });
  });

  router.get('/v1/files/:userId/:fileId', async (req, res) => {
    const entry = liveEntry(req);
    const range = parseByteRange(req.header('range'), entry.size);
    if (range.kind === 'unsatisfiable') {
      res.setHeader('Content-Range', `bytes */${entry.size}`);
      throw new AppError('range_not_satisfiable');
    }
    const partial = range.kind === 'partial' && !(range.start === 0 && range.end === entry.size - 1);
    const byteRange = range.kind === 'partial' ? { start: range.start, end: range.end } : undefined;
    const opened = entry.size === 0 && !byteRange ? undefined : await openFile(ctx, entry, byteRange);
    if (!opened && entry.size > 0) throw new AppError('unavailable');
    res.status(partial ? 206 : 200);
    res.setHeader('Content-Type', entry.mime);
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('ETag', `"${entry.sha256}"`);
    res.setHeader('Content-Length', byteRange ? byteRange.end - byteRange.start + 1 : entry.size);
    if (partial) res.setHeader('Content-Range', `bytes ${byteRange!.start}-${byteRange!.end}/${entry.size}`);
    res.setHeader(SERVED_BY_HEADER, opened?.servedBy ?? ctx.self);
    res.setHeader(FILE_NAME_HEADER, encodeURIComponent(entry.name));
    if (!opened) {
      res.end();
      return;
    }
    try {
      await pipeline(opened.stream, res);
    } catch (error) {
      // Headers are gone; all that is left is to cut the response short so the client notices.
      ctx.logger.warn({ fileId: entry.fileId, err: error }, 'download interrupted');
      res.destroy();
    }
  });

  router.delete('/v1/files/:userId/:fileId', async (req, res) => {
    const entry = liveEntry(req);
    await ctx.catalog.deleteEntry(entry.ownerId, entry.fileId);
    ctx.ledger.forget(entry.ownerId, entry.fileId);
    await ctx.blobs.remove(entry.ownerId, entry.fileId);
    await ctx.catalog.clearOwnReplica(entry.ownerId, entry.fileId);
    res.json({ deleted: true, fileId: entry.fileId });
  });

  router.post('/v1/files/:userId/:fileId/repair', async (req, res) => {
    const entry = liveEntry(req);
    const results: RepairResult[] = await Promise.all(
      expectedHolders(ctx, entry.fileId).map(async (node) => {
        if (node === ctx.self) return repairer.ensureLocal(entry, { verify: true });
        return ctx.peers.verifyReplica(node, entry.ownerId, entry.fileId).catch(
          (): RepairResult => ({ node, before: 'unreachable', after: 'unreachable', repaired: false }),
        );
      }),
    );
    res.json({ fileId: entry.fileId, results });
  });

  return router;
}
