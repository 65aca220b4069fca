import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import type { FileView } from '../api/files';
import { holdersOf, type ReplicationContext } from './replicationContext';
import { awaitEntryCopies } from './entryCopies';
import { newFileEntry, type UploadRequest } from './uploadRequest';
import { UploadError } from './uploadError';

/** The start of a body: all of it when it ended within the limit. */
export interface BodyPrefix {
  chunks: Buffer[];
  ended: boolean;
}

/**
 * Reads a body until it ends or passes `limit` bytes, and leaves the rest unread: a small
 * file is then kept inline, a larger one goes on as a stream (see `withPrefix`).
 */
export function readPrefix(body: Readable, limit: number, signal: AbortSignal): Promise<BodyPrefix> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      signal.removeEventListener('abort', onAbort);
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size <= limit) return;
      body.pause();
      cleanup();
      resolve({ chunks, ended: false });
    };
    const onEnd = () => {
      cleanup();
      resolve({ chunks, ended: true });
    };
    const onError = (error: unknown) => {
      cleanup();
      reject(error);
    };
    const onAbort = () => {
      cleanup();
      reject(new UploadError('aborted', 'The client went away.'));
    };
    if (signal.aborted) return onAbort();
    body.on('data', onData);
    body.once('end', onEnd);
    body.once('error', onError);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The whole body again: the prefix already read, then the rest of the stream. */
export function withPrefix(prefix: Buffer[], rest: Readable): Readable {
  return Readable.from(
    (async function* () {
      yield* prefix;
      yield* rest;
    })(),
    { objectMode: false },
  );
}

/**
 * Keeps a small file in the index (DESIGN §6, inline files): its bytes and its entry in one
 * group commit, acknowledged once `writeQuorum - 1` peers say the change is on their disk
 * too (W=2 for bytes and entry alike). If they do not in time, the change is withdrawn before
 * the client hears of the failure, so a file it was told failed never appears.
 */
export async function storeInline(ctx: ReplicationContext, request: UploadRequest, data: Buffer): Promise<FileView> {
  const { userId, fileId } = request;
  const live = ctx.mesh.liveNodes();
  if (live.length < ctx.settings.writeQuorum) {
    throw new UploadError('replication_failed', `Only ${live.length} storage node(s) are reachable; ${ctx.settings.writeQuorum} are needed.`);
  }
  const hold = await ctx.quota.client.reserve(userId, crypto.randomUUID(), data.length);
  if ('refused' in hold) throw new UploadError('quota_exceeded', hold.refused);
  let entry = newFileEntry(request, data.length, crypto.createHash('sha256').update(data).digest('hex'), { inline: true });
  let facts;
  try {
    // A client that went away has seen no answer: store nothing for it.
    if (request.signal.aborted) throw new UploadError('aborted', 'The client went away.');
    ({ entry, facts } = await ctx.tree.commitNewFile(entry, request.onConflict, (placed, op) => ctx.catalog.putInline(placed, data, op ? [op] : [])));
  } catch (error) {
    hold.release();
    throw error;
  }
  // Committed: the owner holds the bytes until the entry counts in its own index.
  hold.release({ userId, fileId });
  const holders = await awaitEntryCopies(ctx, facts.at(-1)!, userId, fileId);
  ctx.logger.info({ fileId, userId, size: entry.size, acknowledgedBy: [ctx.self, ...holders] }, 'inline upload acknowledged');
  const view = ctx.catalog.view(entry, holdersOf(ctx, entry));
  for (const node of [ctx.self, ...holders]) view.replicas[node] = 'stored';
  return view;
}
