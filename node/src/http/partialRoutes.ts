import express from 'express';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { appendQuerySchema, bytesQuerySchema, completedSchema, createPartialSchema, finishSchema } from '../api/partials';
import type { FileView } from '../api/files';
import type { ReplicationContext } from '../replication/replicationContext';
import { isUuid } from '../storage/layout';
import { toPartialView } from '../uploads/partialHolders';
import type { ResumableStore } from '../uploads/resumableStore';
import { signedJson } from './clusterAuth';
import { AppError } from './errors';
import { clientGone } from './fileRoutes';
import { peersOnly } from './peersOnly';
import { parseInput } from './validate';

const idsSchema = z.object({
  userId: z.string().refine(isUuid, 'a lower-case UUID'),
  uploadId: z.string().refine(isUuid, 'a lower-case UUID'),
});

/** The holder side of resumable uploads (api/partials.ts): only other nodes call these. */
export function partialRoutes(ctx: ReplicationContext, store: ResumableStore): express.Router {
  const router = express.Router();
  router.use('/v1/partials', peersOnly(ctx, 'Partial upload endpoints'));

  router.put('/v1/partials/:userId/:uploadId', signedJson('64kb'), async (req, res) => {
    const { userId, uploadId } = parseInput(idsSchema, req.params, 'path');
    const request = parseInput(createPartialSchema, req.body, 'body');
    const health = ctx.indexHealth();
    if (!health.writable) throw new AppError('insufficient_storage', `This node cannot keep uploads now: ${health.reason}.`);
    res.json({ partial: toPartialView(await store.create(userId, uploadId, request)) });
  });

  router.get('/v1/partials/:userId/:uploadId', (req, res) => {
    const { userId, uploadId } = parseInput(idsSchema, req.params, 'path');
    const record = store.record(userId, uploadId);
    if (!record) throw new AppError('not_found', `No upload ${uploadId} here.`);
    res.json({ partial: toPartialView(record) });
  });

  router.post('/v1/partials/:userId/:uploadId/append', async (req, res) => {
    const { userId, uploadId } = parseInput(idsSchema, req.params, 'path');
    const { standby } = parseInput(appendQuerySchema, req.query, 'query');
    const record = await store.append(userId, uploadId, req, clientGone(res), { standby: standby === '1' });
    res.json({ partial: toPartialView(record) });
  });

  router.get('/v1/partials/:userId/:uploadId/bytes', async (req, res) => {
    const { userId, uploadId } = parseInput(idsSchema, req.params, 'path');
    const { from, to } = parseInput(bytesQuerySchema, req.query, 'query');
    const stream = store.openBytes(userId, uploadId, from, to);
    res.setHeader('Content-Type', 'application/octet-stream');
    res.setHeader('Content-Length', to - from);
    try {
      await pipeline(stream, res);
    } catch {
      res.destroy();
    }
  });

  router.post('/v1/partials/:userId/:uploadId/finish', signedJson('4kb'), async (req, res) => {
    const { userId, uploadId } = parseInput(idsSchema, req.params, 'path');
    const { sha256, size } = parseInput(finishSchema, req.body, 'body');
    const record = await store.finish(userId, uploadId);
    res.json({ partial: toPartialView(record) });
    // As for a replica: the record of this node's copy is written after the answer; the repair
    // sweep writes it if this fails.
    ctx.catalog
      .setOwnReplica(userId, uploadId, 'stored', { sha256, size })
      .catch((error: unknown) => ctx.logger.warn({ uploadId, err: error }, 'replica record not written; the repair sweep will'));
  });

  router.post('/v1/partials/:userId/:uploadId/completed', signedJson('256kb'), async (req, res) => {
    const { userId, uploadId } = parseInput(idsSchema, req.params, 'path');
    const { itemId, file } = parseInput(completedSchema, req.body, 'body');
    await store.markCompleted(userId, uploadId, { itemId, file: file as unknown as FileView });
    res.json({ ok: true });
  });

  router.delete('/v1/partials/:userId/:uploadId', async (req, res) => {
    const { userId, uploadId } = parseInput(idsSchema, req.params, 'path');
    await store.remove(userId, uploadId);
    res.status(204).end();
  });

  return router;
}
