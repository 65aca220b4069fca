import express from 'express';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { EXPECTED_SHA256_HEADER, sha256Schema } from '../api/files';
import { verifyLocalReplica } from './verifyLocalReplica';
import { isUuid } from '../storage/layout';
import type { Repairer } from '../replication/repairer';
import type { ReplicationContext } from '../replication/replicationContext';
import { AppError } from './errors';
import { peersOnly } from './peersOnly';
import { parseByteRange } from './byteRange';
import { clientGone } from './fileRoutes';
import { parseInput } from './validate';
import {
  BLOB_ACCEPT_HEADER,
  BLOB_FORMAT_HEADER,
  PLAIN_RANGE_HEADER,
  PLAIN_SIZE_HEADER,
  SEALED_CRC32_TRAILER,
  sealedFingerprintOf,
  SEGMENTS_HEADER,
} from '../storage/encryption/replicaWire';

const idsSchema = z.object({
  userId: z.string().refine(isUuid, 'a lower-case UUID'),
  fileId: z.string().refine(isUuid, 'a lower-case UUID'),
});
const formatSchema = z.enum(['blob', 'plaintext']).optional();
const acceptSchema = z.enum(['blob']).optional();

/** Replica streams between peers (DESIGN §6). Only other nodes may call these. */
export function replicaRoutes(ctx: ReplicationContext, repairer: Repairer): express.Router {
  const router = express.Router();
  router.use('/v1/replicas', peersOnly(ctx, 'Replica endpoints'));

  router.put('/v1/replicas/:userId/:fileId', async (req, res) => {
    const { userId, fileId } = parseInput(idsSchema, req.params, 'path');
    const expectedSha256 = req.header(EXPECTED_SHA256_HEADER);
    if (expectedSha256 !== undefined) parseInput(sha256Schema, expectedSha256, EXPECTED_SHA256_HEADER);
    // The coordinator says what it sends; a sender from before encryption sends plaintext and says nothing.
    const format = parseInput(formatSchema, req.header(BLOB_FORMAT_HEADER), BLOB_FORMAT_HEADER);
    if (ctx.catalog.isDeleted(userId, fileId)) throw new AppError('conflict', `File ${fileId} was deleted.`);
    const health = ctx.indexHealth();
    if (!health.writable) throw new AppError('insufficient_storage', `This node cannot store replicas now: ${health.reason}.`);
    // An upload's replica, sealed by its coordinator, comes with a fingerprint in trailers and
    // is checked against it (sealedCopy.ts). Any other encrypted replica is stored byte for byte,
    // its tags checked and its plaintext hashed on the way. Either way the size and sha256
    // answered are the plaintext's, as the index keeps them.
    const fingerprinted = format === 'blob' && (req.header('trailer') ?? '').toLowerCase().includes(SEALED_CRC32_TRAILER);
    const fingerprint = fingerprinted ? () => sealedFingerprintOf(req.trailers) : undefined;
    const result = await ctx.blobs.write(userId, fileId, req, { expectedSha256, signal: clientGone(res), input: format ?? 'auto', fingerprint });
    // The bytes are durable: that is what the coordinator waits for. The replica record is
    // written after the answer, off the upload's path; if it fails (or the node dies first),
    // the repair sweep finds the whole blob and writes it.
    res.json(result);
    ctx.catalog
      .setOwnReplica(userId, fileId, 'stored', { sha256: result.sha256, size: result.size })
      .catch((error: unknown) => ctx.logger.warn({ fileId, err: error }, 'replica record not written; the repair sweep will'));
  });

  router.get('/v1/replicas/:userId/:fileId', async (req, res) => {
    const { userId, fileId } = parseInput(idsSchema, req.params, 'path');
    const accept = parseInput(acceptSchema, req.header(BLOB_ACCEPT_HEADER), BLOB_ACCEPT_HEADER);
    if (ctx.catalog.replicaRecord(ctx.self, userId, fileId)?.state === 'corrupt') {
      throw new AppError('not_found', 'This node\'s replica is corrupt.');
    }
    const stat = await ctx.blobs.stat(userId, fileId);
    if (!stat || stat.size < 0) throw new AppError('not_found', `No replica of ${fileId} here.`);
    const range = parseByteRange(req.header('range'), stat.size);
    if (range.kind === 'unsatisfiable') throw new AppError('range_not_satisfiable');
    const byteRange = range.kind === 'partial' ? { start: range.start, end: range.end } : undefined;
    res.status(byteRange ? 206 : 200);
    res.setHeader('Content-Type', 'application/octet-stream');
    let stream;
    if (accept === 'blob') {
      // Ciphertext on the wire: the stored bytes, which the caller opens (DESIGN §6).
      const raw = await ctx.blobs.openRaw(userId, fileId, byteRange);
      res.setHeader(BLOB_FORMAT_HEADER, raw.format === 'blob' ? 'blob' : 'plaintext');
      res.setHeader(PLAIN_SIZE_HEADER, String(raw.plainSize));
      res.setHeader(PLAIN_RANGE_HEADER, `${raw.start}-${raw.end}`);
      if (raw.span) res.setHeader(SEGMENTS_HEADER, `${raw.span.first}-${raw.span.last}`);
      res.setHeader('Content-Length', raw.length);
      stream = raw.stream;
    } else {
      const opened = await ctx.blobs.open(userId, fileId, byteRange);
      res.setHeader('Content-Length', opened.length);
      stream = opened.stream;
    }
    try {
      await pipeline(stream, res);
    } catch {
      res.destroy();
    }
  });

  router.delete('/v1/replicas/:userId/:fileId', async (req, res) => {
    const { userId, fileId } = parseInput(idsSchema, req.params, 'path');
    // Only a failed upload's leftovers may be dropped on request; a live file's replica stays.
    if (ctx.catalog.entry(userId, fileId)) throw new AppError('conflict', `File ${fileId} is live.`);
    const removed = await ctx.blobs.remove(userId, fileId);
    await ctx.catalog.clearOwnReplica(userId, fileId);
    res.json({ removed });
  });

  router.post('/v1/replicas/:userId/:fileId/verify', async (req, res) => {
    const { userId, fileId } = parseInput(idsSchema, req.params, 'path');
    const entry = ctx.catalog.entry(userId, fileId);
    if (!entry) throw new AppError('not_found', `No file ${fileId}.`);
    res.json(await verifyLocalReplica(ctx, repairer, entry));
  });

  return router;
}

