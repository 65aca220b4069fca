import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { rootFolderId, type FileEntry, type FileView } from '../api/files';
import type { UploadView } from '../api/uploads';
import type { NodeId } from '../gossip/frames';
import { AppError } from '../http/errors';
import { commitStoredFile } from '../replication/fileCommit';
import { expectedHolders } from '../replication/replicationContext';
import { quorum } from '../replication/quorum';
import { newFileEntry } from '../replication/uploadRequest';
import { BlobDecoder } from '../storage/encryption/blobDecoder';
import { blobSize, parseHeader } from '../storage/encryption/blobFormat';
import { catchUpHolders } from './holderCatchUp';
import { loadState, removeEverywhere, type ResumableDeps } from './resumableDeps';
import { uploadView, type UploadState } from './uploadState';

const MIME = /^[\w.+-]+\/[\w.+-]+$/;

/**
 * How far behind a holder may be at the finish and still be caught up first: it missed the
 * last PATCH or two (refused as busy while it stored the one before, or dropped as too slow).
 * One further behind is left to repair, so that the last PATCH's answer does not wait for it.
 */
const CATCH_UP_AT_FINISH_BYTES = 32 * 1024 * 1024;

/**
 * The end of a resumable upload whose every byte is durable on W holders: the whole file's
 * SHA-256 is checked (the coordinator's running hash, or the partial decrypted once when
 * another node saw the first bytes), each holder's partial becomes the blob where it is (a
 * rename: nothing is copied), and the file is committed like any upload (fileCommit.ts).
 * A hash that does not match fails the upload everywhere: nothing is stored. Idempotent:
 * POST …/complete runs it again after a coordinator died in it.
 *
 * A small file (up to settings.inlineMaxBytes) is not moved inline into the index as a single
 * request's would be: its partial already is an encrypted blob on W nodes, and one path for
 * every size keeps the finish a rename. The read path serves blobs and inline files alike.
 */
export async function completeUpload(deps: ResumableDeps, initial: UploadState, sha256?: string): Promise<UploadView> {
  const { ctx } = deps;
  let state = initial;
  const { userId, uploadId, record } = state;
  if (state.phase === 'completed' && state.completion) return uploadView(state);
  if (state.phase === 'open') throw new AppError('offset_mismatch', `Only ${state.offset} of ${record.length} bytes are in.`, {}, { offset: state.offset });
  if (ctx.catalog.isDeleted(userId, uploadId)) {
    await removeEverywhere(deps, state);
    throw new AppError('not_found', `Upload ${uploadId} failed and was removed.`);
  }
  const committed = ctx.catalog.entry(userId, uploadId);
  if (committed) return recordCompletion(deps, state, committed, ctx.catalog.view(committed, expectedHolders(ctx, uploadId)));

  const wholeOn = (upload: UploadState) => [...upload.records].filter(([, r]) => r.state === 'sealed' || r.state === 'stored').map(([node]) => node);
  let whole = wholeOn(state);
  // Not once a holder finished (a completion run again): its partial is a blob by then.
  const lagging = state.phase === 'whole' && [...state.records.values()].some((r) => r.state === 'open' && state.offset - r.offset <= CATCH_UP_AT_FINISH_BYTES);
  if (whole.length < ctx.settings.writeQuorum || lagging) {
    // Every byte is in, but on fewer than W reachable holders: the others get it first. With
    // W, those a little behind get what they lack, which spares them a whole copy by repair.
    state = await catchUpHolders(deps, state, whole.length < ctx.settings.writeQuorum ? Infinity : CATCH_UP_AT_FINISH_BYTES);
    whole = wholeOn(state);
  }
  if (whole.length < ctx.settings.writeQuorum) {
    throw new AppError('replication_failed', `Only ${whole.length} holders have the whole upload; ${ctx.settings.writeQuorum} are needed.`);
  }
  const digest = sha256 ?? (await hashFromHolders(deps, state, whole));
  if (record.meta.sha256 !== undefined && digest !== record.meta.sha256) {
    await removeEverywhere(deps, state);
    ctx.logger.warn({ userId, uploadId, declared: record.meta.sha256, actual: digest }, 'resumable upload failed its hash; removed everywhere');
    throw new AppError('integrity_mismatch', `The file's SHA-256 is ${digest}, not the declared ${record.meta.sha256}; nothing was stored.`);
  }
  const size = record.length;
  const finishes = new Map(whole.map((node) => [node, deps.holders.finish(node, userId, uploadId, { sha256: digest, size }).then(() => node)]));
  const finished = await quorum([...finishes.values()], ctx.settings.writeQuorum, () => 'finished').catch(() => {
    throw new AppError('replication_failed', `Fewer than ${ctx.settings.writeQuorum} holders could put the finished blob in place; try completing again.`);
  });
  // A peer records its own copy once it is in place; this node's is recorded with the entry, so
  // it is waited for (a rename): left out, it looked missing to repair, which copied it again.
  const own = finishes.get(ctx.self);
  if (own && !finished.includes(ctx.self) && (await own.then(() => true, () => false))) finished.push(ctx.self);
  const filetype = record.meta.filetype;
  const entry = newFileEntry(
    { fileId: uploadId, userId, name: record.meta.filename, parentId: record.meta.folderId ?? rootFolderId(userId), mime: filetype && MIME.test(filetype) ? filetype : 'application/octet-stream' },
    size,
    digest,
  );
  let result;
  try {
    result = await commitStoredFile(ctx, {
      entry,
      onConflict: record.meta.onConflict,
      storedOn: finished,
      targets: whole,
      released: (committedAs) => ctx.quota.client.releaseEverywhere(userId, uploadId, committedAs),
    });
  } catch (error) {
    // Its folder went, or its entry could not be confirmed (and was withdrawn): the upload failed.
    if (!ctx.catalog.entry(userId, uploadId)) await removeEverywhere(deps, await reload(deps, state));
    throw error;
  }
  return recordCompletion(deps, state, result.entry, result.view);
}

async function reload(deps: ResumableDeps, state: UploadState): Promise<UploadState> {
  return (await loadState(deps, state.userId, state.uploadId)) ?? state;
}

/**
 * Every holder learns the upload is committed, so that GET answers it from any node; one that
 * was behind (its partial never became the blob) drops its partial: repair brings it the blob.
 */
async function recordCompletion(deps: ResumableDeps, state: UploadState, entry: FileEntry, file: FileView): Promise<UploadView> {
  const completion = { itemId: entry.itemId ?? entry.fileId, file };
  await Promise.all(
    [...state.records].map(([node, record]) => {
      const told = record.state === 'open' ? deps.holders.remove(node, state.userId, state.uploadId) : deps.holders.completed(node, state.userId, state.uploadId, completion);
      return told.catch((error: unknown) => {
        deps.ctx.logger.warn({ node, uploadId: state.uploadId, err: error }, 'could not record the completion on a holder');
      });
    }),
  );
  deps.hashes.forget(state.uploadId);
  deps.committed.forget(state.uploadId);
  return uploadView({ ...state, offset: state.record.length, completion });
}

/**
 * The SHA-256 of the plaintext, from the whole partial of one holder (this node first), every
 * segment's tag checked on the way: the one read-back, when this node did not see every byte.
 */
async function hashFromHolders(deps: ResumableDeps, state: UploadState, whole: NodeId[]): Promise<string> {
  const { record } = state;
  const bytes = blobSize(record.length, parseHeader(record.header).active.segmentSize);
  const order = [...whole].sort((a, b) => Number(b === deps.ctx.self) - Number(a === deps.ctx.self));
  let lastError: unknown;
  for (const node of order) {
    try {
      const source = await deps.holders.bytes(node, state.userId, state.uploadId, 0, bytes);
      const decoder = new BlobDecoder({ keys: deps.keyring, output: 'verify', hash: true, expectedSize: record.length });
      await pipeline(source, decoder, new Writable({ write: (_chunk, _encoding, callback) => callback() }));
      if (decoder.bytes !== record.length) throw new Error(`the partial holds ${decoder.bytes} bytes, not ${record.length}`);
      return decoder.digest()!;
    } catch (error) {
      lastError = error;
      deps.ctx.logger.warn({ node, uploadId: state.uploadId, err: error }, 'could not hash the partial on a holder; trying another');
    }
  }
  throw new AppError('replication_failed', `No holder could give the whole upload back to hash it: ${(lastError as Error | undefined)?.message ?? 'none reachable'}.`);
}
