import crypto from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FileView } from '../api/files';
import type { NodeId } from '../gossip/frames';
import { assertUuid } from '../storage/layout';
import type { QuotaHold } from './quotaClient';
import type { WriteResult } from '../storage/blobStore';
import { CopyWatchdog, type WatchedCopy } from './copyWatchdog';
import { FanOut } from './fanOut';
import { systemClock } from '../time/clock';
import { quorum, QuorumError } from './quorum';
import { uploadTargets, type ReplicationContext } from './replicationContext';
import { UploadError } from './uploadError';
import { readPrefix, storeInline, withPrefix } from './inlineUpload';
import { IndexUnavailableError } from '../index/indexCommitter';
import { newFileEntry, type UploadRequest } from './uploadRequest';
import { commitStoredFile } from './fileCommit';

type ReplicaWrite = WriteResult & { node: NodeId };


/**
 * The primary's side of an upload (DESIGN §6). A small file is kept inline in the index
 * (inlineUpload.ts). A larger one is streamed to every replica at once while hashing it,
 * acknowledged when `writeQuorum` replicas are durable with the same hash, and the rest
 * finish in the background. Quota is checked up front from Content-Length and enforced byte
 * by byte for chunked bodies. A failed upload leaves nothing behind.
 */
export async function coordinateUpload(ctx: ReplicationContext, request: UploadRequest): Promise<FileView> {
  const { userId, fileId } = request;
  assertUuid(userId, 'userId');
  assertUuid(fileId, 'fileId');
  const health = ctx.indexHealth();
  // Refused before a byte is read: the entry could not be stored at the end anyway.
  if (!health.writable) throw new IndexUnavailableError(health.reason ?? 'the index refuses writes');
  if (ctx.catalog.isKnown(userId, fileId)) {
    throw new UploadError('conflict', `File ${fileId} already exists or was deleted; upload under a new id.`);
  }
  const inlineMax = ctx.settings.inlineMaxBytes;
  if (inlineMax > 0 && (request.contentLength === undefined || request.contentLength <= inlineMax)) {
    // A chunked body may still be small: read up to the limit to know.
    const prefix = await readPrefix(request.body, inlineMax, request.signal);
    if (prefix.ended) return storeInline(ctx, request, Buffer.concat(prefix.chunks));
    return coordinateBlobUpload(ctx, { ...request, body: withPrefix(prefix.chunks, request.body) });
  }
  return coordinateBlobUpload(ctx, request);
}

/** A file kept as blob files on its placement's nodes, streamed to all of them at once. */
async function coordinateBlobUpload(ctx: ReplicationContext, request: UploadRequest): Promise<FileView> {
  const { userId, fileId } = request;
  const targets = uploadTargets(ctx, fileId);
  if (targets.length < ctx.settings.writeQuorum) {
    throw new UploadError('replication_failed', `Only ${targets.length} storage node(s) are reachable; ${ctx.settings.writeQuorum} are needed.`);
  }

  const uploadId = crypto.randomUUID();
  const ended = ctx.uploads.begin(userId, fileId);
  try {
    return await streamToReplicas(ctx, request, targets, uploadId);
  } finally {
    ended();
  }
}

async function streamToReplicas(ctx: ReplicationContext, request: UploadRequest, targets: NodeId[], uploadId: string): Promise<FileView> {
  const { userId, fileId } = request;
  const hold = await ctx.quota.client.reserve(userId, uploadId, request.contentLength ?? 0);
  if ('refused' in hold) throw new UploadError('quota_exceeded', hold.refused);

  const abort = new AbortController();
  const onClientAbort = () => abort.abort(new UploadError('aborted', 'The client went away.'));
  request.signal.addEventListener('abort', onClientAbort, { once: true });
  const fan = new FanOut(targets);
  // Encrypted once, here, with a fresh data key: every replica stores the same ciphertext and
  // only ciphertext crosses the WAN (DESIGN §6). The encryptor hashes the plaintext as it goes.
  const encryptor = ctx.blobs.newEncryptor();
  // When this node stores a plaintext replica, its own write hashes the bytes; hashing them here
  // too would only double the CPU per byte. A pure coordinator has to hash for itself.
  const meter = new UploadMeter(hold, request.contentLength === undefined, !encryptor && !targets.includes(ctx.self));
  const attempts = new Map<NodeId, Promise<ReplicaWrite>>();
  const copies: WatchedCopy[] = [];
  for (const node of targets) {
    const source = fan.branch(node);
    const copy: WatchedCopy = { node, branch: source, state: 'running' };
    let write: Promise<WriteResult>;
    if (node === ctx.self) {
      // Bytes this process has just sealed need no second check: the encryptor's figures stand.
      const sealed = encryptor ? () => ({ size: encryptor.bytes, sha256: encryptor.digest()! }) : undefined;
      write = ctx.blobs.write(userId, fileId, source, { signal: abort.signal, sealed });
    } else {
      const dropped = new AbortController();
      copy.drop = (reason) => {
        const error = new UploadError('replication_failed', `Copy to ${node} dropped: ${reason}.`);
        dropped.abort(error);
        source.destroy(error);
      };
      write = ctx.peers.putReplica(node, userId, fileId, source, {
        signal: AbortSignal.any([abort.signal, dropped.signal]),
        format: encryptor ? 'blob' : 'plaintext',
        // The replica checks its copy against this instead of opening every segment again.
        fingerprint: encryptor ? () => ({ sha256: encryptor.digest()!, crc32: encryptor.crc32()! }) : undefined,
      });
    }
    const attempt = write.then((result) => ({ node, ...result }));
    attempt.then(
      () => (copy.state = 'stored'),
      () => (copy.state = 'failed'),
    );
    // A failed branch must stop feeding from the fan-out at once, or the others would stall.
    attempt.catch((error: unknown) => {
      source.destroy();
      ctx.logger.warn({ node, fileId, err: error }, 'replica write failed during upload');
    });
    attempts.set(node, attempt);
    copies.push(copy);
  }
  const watchdog = new CopyWatchdog(copies, {
    keep: ctx.settings.writeQuorum,
    stallMs: ctx.settings.copyStallMs,
    isAlive: (node) => node === ctx.self || ctx.mesh.liveNodes().includes(node),
    clock: systemClock,
    onDrop: (node, reason) => ctx.logger.warn({ node, fileId, reason }, 'dropped a copy that could not keep up; repair will finish it'),
  });
  watchdog.start();

  try {
    if (encryptor) await pipeline(request.body, meter, encryptor, fan, { signal: abort.signal });
    else await pipeline(request.body, meter, fan, { signal: abort.signal });
    const expected = encryptor ? encryptor.digest() : meter.digest();
    // W replicas must agree on the bytes they made durable, and on how many there were.
    const durable = await quorum([...attempts.values()], ctx.settings.writeQuorum, (result) =>
      result.size === meter.bytes && (expected === undefined || result.sha256 === expected) ? result.sha256 : undefined,
    );
    const sha256 = durable[0]!.sha256;
    const storedOn = durable.map((write) => write.node);
    const { view } = await commitStoredFile(ctx, {
      entry: newFileEntry(request, meter.bytes, sha256),
      onConflict: request.onConflict,
      storedOn,
      targets,
      // The owner holds the bytes until the entry counts in its own index.
      released: (committedAs) => hold.release(committedAs),
    });
    const own = attempts.get(ctx.self);
    if (own && !storedOn.includes(ctx.self)) recordLateOwnCopy(ctx, userId, fileId, own, { sha256, size: meter.bytes });
    return view;
  } catch (error) {
    watchdog.stop();
    abort.abort(error);
    hold.release();
    await discardReplicas(ctx, userId, fileId, attempts);
    throw toUploadError(error, meter);
  } finally {
    request.signal.removeEventListener('abort', onClientAbort);
  }
}

/**
 * This node's own copy finished after the quorum: it is recorded as a peer records its copy
 * (replicaRoutes.ts). Unrecorded, it would stay on disk unseen once a layout change moves the
 * file away: the rebalancer walks records, and the repairer looks only at the files placed here.
 */
function recordLateOwnCopy(ctx: ReplicationContext, userId: string, fileId: string, write: Promise<ReplicaWrite>, expected: { sha256: string; size: number }): void {
  write
    .then(
      async (result) => {
        if (result.sha256 === expected.sha256 && result.size === expected.size) await ctx.catalog.setOwnReplica(userId, fileId, 'stored', expected);
        else await ctx.blobs.remove(userId, fileId);
      },
      () => undefined,
    )
    .catch((error: unknown) => ctx.logger.warn({ fileId, err: error }, 'own late copy not recorded; the repair sweep will'));
}

/**
 * Undo what a failed upload stored anywhere, so that it leaves no blob and no record. A peer
 * that cannot be told now learns it from the abort record: a tombstone on the file's key, which
 * its orphan check takes as the upload's failure.
 */
async function discardReplicas(ctx: ReplicationContext, userId: string, fileId: string, attempts: Map<NodeId, Promise<ReplicaWrite>>): Promise<void> {
  const untold = await Promise.all(
    [...attempts].map(async ([node, attempt]) => {
      const stored = await attempt.then(
        () => true,
        () => false,
      );
      if (!stored) return false;
      if (node === ctx.self) {
        await ctx.blobs.remove(userId, fileId);
        await ctx.catalog.clearOwnReplica(userId, fileId);
        return false;
      }
      return ctx.peers.deleteReplica(node, userId, fileId).then(
        () => false,
        () => true,
      );
    }),
  );
  if (untold.some(Boolean) && !ctx.catalog.isKnown(userId, fileId)) {
    await ctx.catalog.deleteEntry(userId, fileId).catch((error: unknown) => {
      ctx.logger.warn({ userId, fileId, err: error }, 'could not write the abort record of a failed upload; peers will ask');
    });
  }
}

function toUploadError(error: unknown, meter: UploadMeter): unknown {
  if (meter.quotaError) return new UploadError('quota_exceeded', meter.quotaError);
  if (error instanceof UploadError) return error;
  if (error instanceof QuorumError) {
    return new UploadError('replication_failed', `Only ${error.achieved} of the ${error.needed} required replicas were stored.`);
  }
  if ((error as { name?: string })?.name === 'AbortError') return new UploadError('aborted', 'The upload was aborted.');
  return error;
}

/** Counts (and, if asked, hashes) the bytes on their way in; grows the quota reservation for chunked bodies. */
class UploadMeter extends Transform {
  private readonly hash: crypto.Hash | undefined;
  bytes = 0;
  quotaError: string | undefined;

  constructor(
    private readonly hold: QuotaHold,
    private readonly growReservation: boolean,
    hashBytes: boolean,
  ) {
    super();
    this.hash = hashBytes ? crypto.createHash('sha256') : undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const pass = () => {
      this.bytes += chunk.length;
      this.hash?.update(chunk);
      callback(null, chunk);
    };
    if (!this.growReservation) {
      pass();
      return;
    }
    this.hold.cover(this.bytes + chunk.length).then(
      (answer) => {
        if (answer.ok) pass();
        else {
          this.quotaError = answer.message;
          callback(new UploadError('quota_exceeded', answer.message));
        }
      },
      (error: unknown) => callback(error as Error),
    );
  }

  digest(): string | undefined {
    return this.hash?.digest('hex');
  }
}
