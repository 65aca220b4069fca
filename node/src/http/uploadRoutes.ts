import express from 'express';
import { z } from 'zod';
import { isUuid } from '../storage/layout';
import { uploadKnowledge } from '../replication/orphanCheck';
import type { ReplicationContext } from '../replication/replicationContext';
import { peersOnly } from './peersOnly';
import { parseInput } from './validate';

const idsSchema = z.object({
  userId: z.string().refine(isUuid, 'a lower-case UUID'),
  fileId: z.string().refine(isUuid, 'a lower-case UUID'),
});

/**
 * GET /v1/upload-knowledge/:userId/:fileId (peers only): what this node knows of an upload
 * (orphanCheck.ts). Not under /v1/uploads, which is the resumable uploads' API (api/uploads.ts).
 */
export function uploadRoutes(ctx: ReplicationContext): express.Router {
  const router = express.Router();
  router.get('/v1/upload-knowledge/:userId/:fileId', peersOnly(ctx, 'Upload queries'), (req, res) => {
    const { userId, fileId } = parseInput(idsSchema, req.params, 'path');
    res.json(uploadKnowledge(ctx, userId, fileId));
  });
  return router;
}
