import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { z } from 'zod';
import { ROOT_ALIAS } from '../api/tree';
import type { createUploadSchema, UploadView } from '../api/uploads';
import { AppError } from '../http/errors';
import { parseInput } from '../http/validate';
import { IndexUnavailableError } from '../index/indexCommitter';
import { partialTargets } from '../replication/replicationContext';
import { quorum, QuorumError } from '../replication/quorum';
import { DEFAULT_SEGMENT_BYTES, encodeHeader, KEY_BYTES, NONCE_BASE_BYTES, wrapDataKey } from '../storage/encryption/blobFormat';
import { itemNameSchema } from '../tree/itemName';
import { loadState, removeEverywhere, type ResumableDeps } from './resumableDeps';
import { patchUpload } from './uploadPatch';
import { uploadView } from './uploadState';

/**
 * A new resumable upload: its quota reserved for the declared length before any byte (413
 * otherwise), its holders chosen (its placement: the upload id is the finished file's id, so
 * the partial becomes the blob where it lies), the finished blob's header made here (a fresh
 * data key wrapped under the master key; the same header on every holder), and the record on
 * W holders before it exists for the client. Creating an id that exists answers it as it is.
 */
export async function createUpload(deps: ResumableDeps, userId: string, request: z.output<typeof createUploadSchema>): Promise<UploadView> {
  const { ctx } = deps;
  const { uploadId, length } = request;
  const existing = await loadState(deps, userId, uploadId);
  if (existing) return uploadView(existing);
  const health = ctx.indexHealth();
  if (!health.writable) throw new IndexUnavailableError(health.reason ?? 'the index refuses writes');
  if (ctx.catalog.isKnown(userId, uploadId)) throw new AppError('conflict', `File ${uploadId} already exists or was deleted; upload under a new id.`);
  const filename = parseInput(itemNameSchema, request.filename, 'filename');
  // Refused before anything is kept: no such folder.
  ctx.tree.checkUpload(userId, request.folderId ?? ROOT_ALIAS, filename, request.onConflict);
  const holders = partialTargets(ctx, uploadId);
  if (holders.length < ctx.settings.writeQuorum) {
    throw new AppError('replication_failed', `Only ${holders.length} storage node(s) are reachable; ${ctx.settings.writeQuorum} are needed.`);
  }
  const quota = await ctx.quota.client.ensure(userId, uploadId, length);
  if (!quota.ok) throw new AppError('quota_exceeded', quota.message);

  const header = encodeHeader(
    wrapDataKey(randomBytes(KEY_BYTES), deps.keyring.current, { nonceBase: randomBytes(NONCE_BASE_BYTES), segmentSize: DEFAULT_SEGMENT_BYTES, sequence: 1 }),
  );
  const createdAt = Date.now();
  const partial = {
    length,
    meta: { filename, folderId: request.folderId, filetype: request.filetype, onConflict: request.onConflict, ...(request.sha256 ? { sha256: request.sha256 } : {}), holders },
    header: header.toString('base64'),
    createdAt,
    expiresAt: createdAt + ctx.settings.uploadExpiryMs,
  };
  const attempts = holders.map((node) => deps.holders.create(node, userId, uploadId, partial).then((record) => ({ node, record })));
  try {
    await quorum(attempts, ctx.settings.writeQuorum, () => 'created');
  } catch (error) {
    // The id is another user's upload: refused as taken, and nothing of theirs is touched.
    const failures = error instanceof QuorumError ? error.failures : [];
    if (failures.some((failure) => failure instanceof AppError && failure.code === 'conflict')) throw new AppError('conflict', `Upload ${uploadId} exists.`);
    const state = await loadState(deps, userId, uploadId);
    if (state) await removeEverywhere(deps, state);
    else ctx.quota.client.releaseEverywhere(userId, uploadId);
    throw new AppError('replication_failed', `Fewer than ${ctx.settings.writeQuorum} holders could keep the new upload.`);
  }
  deps.hashes.start(uploadId);
  ctx.logger.info({ userId, uploadId, length, holders }, 'resumable upload created');
  // An empty file is whole at its creation: its one (empty) last segment is sealed and it is committed.
  if (length === 0) return patchUpload(deps, { userId, uploadId, offset: 0, body: Readable.from([]), contentLength: 0, chunkSha256: undefined });
  const state = await loadState(deps, userId, uploadId);
  if (!state) throw new AppError('replication_failed', 'The new upload could not be read back from its holders.');
  return uploadView(state);
}
