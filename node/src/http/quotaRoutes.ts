import express from 'express';
import { z } from 'zod';
import { quotaRequestSchema } from '../api/quota';
import { isUuid } from '../storage/layout';
import { answerQuotaRequest } from '../replication/quotaClient';
import type { ReplicationContext } from '../replication/replicationContext';
import { signedJson } from './clusterAuth';
import { AppError } from './errors';
import { peersOnly } from './peersOnly';
import { parseInput } from './validate';

const userIdSchema = z.string().refine(isUuid, 'a lower-case UUID');

/** POST /v1/quota/:userId: this node answering as the user's quota owner (peers only). */
export function quotaRoutes(ctx: ReplicationContext): express.Router {
  const router = express.Router();
  router.post('/v1/quota/:userId', peersOnly(ctx, 'Quota calls'), signedJson('4kb'), (req, res) => {
    const userId = parseInput(userIdSchema, req.params.userId, 'userId');
    const request = parseInput(quotaRequestSchema, req.body, 'body');
    const answer = answerQuotaRequest(ctx.quota.authority, userId, request);
    if (!answer.ok) throw new AppError('quota_exceeded', answer.message);
    res.json({ ok: true });
  });
  return router;
}
