import express from 'express';
import { z } from 'zod';
import { CHUNK_SHA256_HEADER, createUploadSchema, patchQuerySchema, RESUMABLE_PATH } from '../api/uploads';
import { isUuid } from '../storage/layout';
import type { ResumableUploads } from '../uploads/resumableUploads';
import { signedJson } from './clusterAuth';
import { parseInput } from './validate';

const idsSchema = z.object({
  userId: z.string().refine(isUuid, 'a lower-case UUID'),
  uploadId: z.string().refine(isUuid, 'a lower-case UUID'),
});
const userSchema = idsSchema.pick({ userId: true });
const chunkShaSchema = z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex SHA-256').optional();
const lengthSchema = z.coerce.number().int().nonnegative().optional();

/**
 * Resumable uploads (api/uploads.ts), for the gateway's tus server: signed like every node
 * route, and any node takes any call: the one reached coordinates through the upload's holders.
 */
export function resumableRoutes(uploads: ResumableUploads): express.Router {
  const router = express.Router();

  router.post(`${RESUMABLE_PATH}/:userId`, signedJson('16kb'), async (req, res) => {
    const { userId } = parseInput(userSchema, req.params, 'path');
    const request = parseInput(createUploadSchema, req.body, 'body');
    res.status(201).json({ upload: await uploads.create(userId, request) });
  });

  router.get(`${RESUMABLE_PATH}/:userId/:uploadId`, async (req, res) => {
    const { userId, uploadId } = parseInput(idsSchema, req.params, 'path');
    res.setHeader('Cache-Control', 'no-store');
    res.json({ upload: await uploads.view(userId, uploadId) });
  });

  router.patch(`${RESUMABLE_PATH}/:userId/:uploadId`, async (req, res) => {
    const { userId, uploadId } = parseInput(idsSchema, req.params, 'path');
    const { offset } = parseInput(patchQuerySchema, req.query, 'query');
    const chunkSha256 = parseInput(chunkShaSchema, req.header(CHUNK_SHA256_HEADER), CHUNK_SHA256_HEADER);
    const contentLength = parseInput(lengthSchema, req.header('content-length'), 'content-length');
    const upload = await uploads.patch({ userId, uploadId, offset, body: req, contentLength, chunkSha256 });
    res.json({ upload });
  });

  router.post(`${RESUMABLE_PATH}/:userId/:uploadId/complete`, async (req, res) => {
    const { userId, uploadId } = parseInput(idsSchema, req.params, 'path');
    res.json({ upload: await uploads.complete(userId, uploadId) });
  });

  router.delete(`${RESUMABLE_PATH}/:userId/:uploadId`, async (req, res) => {
    const { userId, uploadId } = parseInput(idsSchema, req.params, 'path');
    await uploads.terminate(userId, uploadId);
    res.status(204).end();
  });

  return router;
}
