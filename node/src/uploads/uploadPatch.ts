import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { PassThrough, Readable } from 'node:stream';
import { untilAborted } from '../../../common/async/untilAborted';
import { chunksOf } from '../../../common/streams/chunksOf';
import type { UploadView } from '../api/uploads';
import type { NodeId } from '../gossip/frames';
import { AppError } from '../http/errors';
import { CopyWatchdog, type WatchedCopy } from '../replication/copyWatchdog';
import { FanOut } from '../replication/fanOut';
import { quorum, QuorumError } from '../replication/quorum';
import type { QuotaAnswer } from '../replication/quotaClient';
import { openHeader } from '../storage/encryption/blobDecoder';
import { parseHeader } from '../storage/encryption/blobFormat';
import { systemClock } from '../time/clock';
import { holderFrames } from './holderCatchUp';
import { dataHead, frame, FRAME, jsonFrame } from './partialFrames';
import { partialBytes, PartialSealer, type SealedSegment, type SealerEnd } from './partialSealer';
import type { PartialRecord } from './resumableRecords';
import { loadState, type ResumableDeps } from './resumableDeps';
import type { StandbyAppend } from './standbyAppends';
import { openTail, sealTail, tailKey } from './tailCipher';
import { completeUpload } from './uploadComplete';
import { durableProgress, uploadView, type HolderUnreached, type UploadState } from './uploadState';

/**
 * How long a PATCH waits for the holders still storing the one before (committedStates.ts).
 * Typically a few ms: in bench:resumable it took every PATCH but 2 of 128 from a remembered
 * state (14 % asked the holders, ~8 ms each) and left no holder busy (6 were, each then
 * copied what it missed). A holder slower than this is left behind as before.
 */
const SLOWEST_HOLDER_WAIT_MS = 100;

/**
 * How long the PATCH that seals an upload waits for its holders beyond the quorum before the
 * upload is finished without them: a holder left out is sent the whole file by repair.
 */
const LAST_PATCH_HOLDER_WAIT_MS = 2_000;

export interface PatchRequest {
  userId: string;
  uploadId: string;
  /** The offset the client says it writes at (tus Upload-Offset). */
  offset: number;
  body: Readable;
  contentLength: number | undefined;
  /** The SHA-256 the client declares for this body (x-chunk-sha256). */
  chunkSha256: string | undefined;
}

/**
 * One PATCH, coordinated by whichever node it reached (DESIGN §6, issue 14): the bytes are
 * sealed here into the segments they complete and streamed to every reachable holder at once
 * (a lagging one is first sent the ciphertext it lacks, copied from a current holder); the new
 * offset is answered once W holders have fsynced it. A client that goes away mid-body keeps
 * what reached W holders (the tus rule). The PATCH that brings the last byte checks the whole
 * file's hash and commits it (uploadComplete.ts).
 */
export async function patchUpload(deps: ResumableDeps, request: PatchRequest): Promise<UploadView> {
  const { uploadId } = request;
  if (deps.busy.has(uploadId)) throw new AppError('upload_busy', `Upload ${uploadId} is being written through this node now.`);
  deps.busy.add(uploadId);
  try {
    return await patchLocked(deps, request);
  } finally {
    deps.busy.delete(uploadId);
  }
}

async function patchLocked(deps: ResumableDeps, request: PatchRequest): Promise<UploadView> {
  const { userId, uploadId } = request;
  await deps.committed.lastPatchStored(uploadId, SLOWEST_HOLDER_WAIT_MS);
  const remembered = deps.committed.take(uploadId, request.offset);
  // Opened from the remembered state, a standby is only good with it.
  if (!remembered) deps.standby.cancel(uploadId);
  const standby = remembered && deps.standby.take(uploadId, remembered.offset, [...remembered.records.keys()]);
  try {
    return await patchFrom(deps, request, remembered ?? (await loadState(deps, userId, uploadId)), standby);
  } finally {
    // Not taken by the PATCH (refused before its bytes): closed, so that no holder waits on it.
    for (const { stream } of standby?.values() ?? []) if (!stream.writableEnded && !stream.destroyed) stream.end();
  }
}

async function patchFrom(deps: ResumableDeps, request: PatchRequest, state: UploadState | undefined, standby: ReadonlyMap<NodeId, StandbyAppend> | undefined): Promise<UploadView> {
  const { ctx } = deps;
  const { userId, uploadId } = request;
  if (!state || (state.phase !== 'completed' && state.record.expiresAt <= Date.now())) throw new AppError('not_found', `No upload ${uploadId}.`);
  const { length } = state.record;
  if (state.phase !== 'open') {
    // Every byte is in: an empty PATCH at the end finishes a commit that was cut short.
    if (request.offset === length && request.contentLength === 0) return completeUpload(deps, state);
    throw offsetMismatch(length);
  }
  if (request.offset !== state.offset) throw offsetMismatch(state.offset);
  if (request.contentLength !== undefined && request.contentLength > length - state.offset) {
    throw new AppError('payload_too_large', `${request.contentLength} bytes at offset ${state.offset} pass the upload's length of ${length}.`);
  }
  const targets = [...state.records.keys()];
  if (targets.length < ctx.settings.writeQuorum) throw tooFewHolders(deps, state);
  // Re-asserted while the bytes stream (an owner that took over learns the upload again); it
  // is settled before the COMMIT frame, so a refusal keeps nothing of this PATCH.
  const quota = ctx.quota.client.ensure(userId, uploadId, length);
  quota.catch(() => undefined);

  const opened = openHeader(state.record.header, deps.keyring);
  const key = tailKey(opened.dataKey);
  const tail = openTail(key, uploadId, state.offset, state.records.get(state.base!)!.tail);
  const hash = deps.hashes.at(uploadId, state.offset);
  const sealer = new PartialSealer({ ...opened, length, offset: state.offset, tail, hash });
  const end = await streamToHolders(deps, state, targets, sealer, request, key, quota, standby);
  if (hash) deps.hashes.set(uploadId, end.offset, hash);
  ctx.logger.debug({ uploadId, from: state.offset, to: end.offset, storedOn: end.storedOn }, 'resumable upload advanced');
  if (!end.sealed) {
    deps.committed.track(uploadId, end.everyHolder.then((records) => rememberIfEveryHolder(deps, state, records, end.offset)));
    return uploadView({ ...state, offset: end.offset });
  }
  // The last PATCH: a holder still storing it would be found behind, its partial dropped and
  // the whole file copied to it again by repair (in bench:resumable, the coordinator's own
  // copy, for half the 1 GiB uploads). A moment's wait spares that copy.
  deps.committed.track(uploadId, end.everyHolder);
  await deps.committed.lastPatchStored(uploadId, LAST_PATCH_HOLDER_WAIT_MS);
  const whole = await loadState(deps, userId, uploadId);
  if (!whole) throw new AppError('not_found', `Upload ${uploadId} was removed.`);
  return completeUpload(deps, whole, hash?.digest('hex'));
}

/**
 * The state after this PATCH, for the next one, when every holder of the upload stored it; and
 * the next PATCH's appends, opened on them now (standbyAppends.ts).
 */
function rememberIfEveryHolder(deps: ResumableDeps, before: UploadState, records: ReadonlyMap<NodeId, PartialRecord>, offset: number): void {
  const holders = before.record.meta.holders;
  if (records.size !== holders.length || !holders.every((node) => records.get(node)?.offset === offset)) return;
  const progress = durableProgress(records, deps.ctx.settings.writeQuorum);
  if (progress.phase !== 'open' || progress.offset !== offset) return;
  const after: UploadState = { ...before, record: records.get(progress.base!)!, records, unreached: new Map(), ...progress };
  deps.committed.remember(after);
  deps.standby.prepare(before.userId, before.uploadId, offset, [...records.keys()], baseFrame(after));
}

/** The BASE frame of a PATCH from `state`, for a holder that has all of it. */
function baseFrame(state: UploadState): Buffer {
  return jsonFrame(FRAME.BASE, { from: state.offset, tail: state.records.get(state.base!)!.tail.toString('base64') });
}

/** The holders this PATCH cannot reach, named with why, so that an operator knows which to mend. */
function tooFewHolders(deps: ResumableDeps, state: UploadState): AppError {
  const { ctx } = deps;
  const unreached = [...(state.unreached ?? [])];
  ctx.logger.warn(
    { uploadId: state.uploadId, reached: [...state.records.keys()], unreached: unreached.map(([node, why]) => ({ node, reason: why.reason, ...(why.reason === 'failed' ? { error: String(why.error) } : {}) })) },
    'too few holders of a resumable upload can be reached for a PATCH',
  );
  const why = unreached.map(([node, { reason }]) => `${node}: ${UNREACHED_REASON[reason]}`).join('; ');
  return new AppError(
    'replication_failed',
    `Only ${state.records.size} of the upload's ${state.record.meta.holders.length} holders can be reached; ${ctx.settings.writeQuorum} are needed${why ? ` (${why})` : ''}.`,
  );
}

const UNREACHED_REASON: Record<HolderUnreached['reason'], string> = {
  down: 'down in the mesh',
  no_record: 'does not have it',
  failed: 'did not answer',
};

function offsetMismatch(offset: number): AppError {
  return new AppError('offset_mismatch', `The upload is at offset ${offset}.`, {}, { offset });
}

async function streamToHolders(
  deps: ResumableDeps,
  state: UploadState,
  targets: NodeId[],
  sealer: PartialSealer,
  request: PatchRequest,
  key: Buffer,
  quota: Promise<QuotaAnswer>,
  standby: ReadonlyMap<NodeId, StandbyAppend> | undefined,
): Promise<SealerEnd & { storedOn: NodeId[]; everyHolder: Promise<ReadonlyMap<NodeId, PartialRecord>> }> {
  const { ctx } = deps;
  const { uploadId } = request;
  const abort = new AbortController();
  const segmentSize = parseHeader(state.record.header).active.segmentSize;
  const fan = new FanOut(targets, new Map([...(standby?.values() ?? [])].map((append) => [append.node, append.stream])));
  fan.on('error', (error) => abort.abort(error));
  const attempts: Array<Promise<{ node: NodeId; record: PartialRecord }>> = [];
  const copies: WatchedCopy[] = [];
  for (const node of targets) {
    const branch = fan.branch(node);
    const { stream, written, stop } = standby?.get(node) ? takeStandby(standby.get(node)!, abort.signal) : openAppend(deps, state, segmentSize, node, branch, abort.signal);
    const copy: WatchedCopy = { node, branch, state: 'running' };
    if (node !== ctx.self) {
      copy.drop = (reason) => {
        const error = new AppError('replication_failed', `Copy to ${node} dropped: ${reason}.`);
        stop(error);
        branch.destroy(error);
      };
    }
    const attempt = written.then((record) => ({ node, record }));
    attempt.then(
      () => (copy.state = 'stored'),
      (error: unknown) => {
        copy.state = 'failed';
        // A failed holder must stop taking from the fan-out at once, or the others would stall.
        branch.destroy();
        stream.destroy();
        ctx.logger.warn({ node, uploadId, err: error }, 'a holder did not take a PATCH');
      },
    );
    attempts.push(attempt);
    copies.push(copy);
  }
  // Every holder's answer, once all are in (the quorum answers the client before the slowest).
  const everyHolder = Promise.allSettled(attempts).then((results) => {
    const records = new Map<NodeId, PartialRecord>();
    for (const result of results) if (result.status === 'fulfilled') records.set(result.value.node, result.value.record);
    return records;
  });
  const watchdog = new CopyWatchdog(copies, {
    keep: ctx.settings.writeQuorum,
    stallMs: ctx.settings.copyStallMs,
    isAlive: (node) => node === ctx.self || ctx.mesh.liveNodes().includes(node),
    clock: systemClock,
    onDrop: (node, reason) => ctx.logger.warn({ node, uploadId, reason }, 'dropped a holder that could not keep up'),
  });
  watchdog.start();
  let expectedOffset = -1;
  // Settles as soon as W holders agree on the new offset, or as soon as they no longer can.
  const outcome = quorum(attempts, ctx.settings.writeQuorum, ({ record }) => (record.offset === expectedOffset ? 'agreed' : undefined));
  outcome.catch((error: unknown) => abort.abort(error));
  // The holders' leases last as long as this coordinator pings, whatever the client's pace.
  const ping = setInterval(() => {
    if (!fan.destroyed && !fan.writableEnded) fan.write(frame(FRAME.PING));
  }, Math.max(100, ctx.settings.uploadLeaseMs / 3));
  try {
    const clientLeft = await pumpBody(request, sealer, fan, abort.signal);
    const allowed = await quota;
    if (!allowed.ok) throw new AppError('quota_exceeded', allowed.message);
    const end = sealer.end((sealed) => writeSegment(fan, sealed));
    expectedOffset = end.offset;
    fan.end(jsonFrame(FRAME.COMMIT, { offset: end.offset, sealed: end.sealed, tail: sealTail(key, uploadId, end.offset, end.tail).toString('base64') }));
    const durable = await outcome;
    if (clientLeft) ctx.logger.info({ uploadId, offset: end.offset }, 'client went away mid-PATCH; kept what reached the holders');
    return { ...end, storedOn: durable.map((write) => write.node), everyHolder };
  } catch (error) {
    abort.abort(error);
    fan.destroy(error as Error);
    throw await patchError(deps, state, error, attempts);
  } finally {
    clearInterval(ping);
  }
}

/** A holder's append for this PATCH: its framed body, its answer, and how to stop it. */
interface HolderAppend {
  stream: Readable;
  written: Promise<PartialRecord>;
  stop(reason: unknown): void;
}

/** Opens a holder's append now: its base, then (for a holder behind the others) the bytes it lacks, then `branch`. */
function openAppend(deps: ResumableDeps, state: UploadState, segmentSize: number, node: NodeId, branch: PassThrough, signal: AbortSignal): HolderAppend {
  const { userId, uploadId } = state;
  const { length } = state.record;
  const record = state.records.get(node)!;
  const behind = record.offset < state.offset;
  const base = behind ? jsonFrame(FRAME.BASE, { from: record.offset, tail: '' }) : baseFrame(state);
  const catchUp = behind
    ? () => deps.holders.bytes(state.base!, userId, uploadId, partialBytes(record.offset, length, segmentSize, false), partialBytes(state.offset, length, segmentSize, false), signal)
    : undefined;
  const dropped = new AbortController();
  const stream = holderFrames(base, catchUp, branch);
  return { stream, written: deps.holders.append(node, userId, uploadId, stream, AbortSignal.any([signal, dropped.signal])), stop: (reason) => dropped.abort(reason) };
}

/** A standby append (its base sent before the PATCH came), stopped with the PATCH as one opened now would be. */
function takeStandby(append: StandbyAppend, signal: AbortSignal): HolderAppend {
  if (signal.aborted) append.abort(signal.reason);
  else signal.addEventListener('abort', () => append.abort(signal.reason), { once: true });
  return { stream: append.stream, written: append.attempt, stop: (reason) => append.abort(reason) };
}

function writeSegment(fan: FanOut, sealed: SealedSegment): void {
  // Head and payload in the same tick: a ping frame can only come between whole frames.
  fan.write(dataHead(sealed.reduce((bytes, piece) => bytes + piece.length, 0)));
  for (const piece of sealed) fan.write(piece);
}

/**
 * Feeds the client's body through the sealer to the fan-out, at the pace of the slowest
 * holder. Returns whether the client went away before the end (what came is kept, unless the
 * body carried a checksum, which then cannot hold); throws when the PATCH must keep nothing.
 */
async function pumpBody(request: PatchRequest, sealer: PartialSealer, fan: FanOut, signal: AbortSignal): Promise<boolean> {
  const chunkHash = request.chunkSha256 ? createHash('sha256') : undefined;
  const iterator = chunksOf(request.body)[Symbol.asyncIterator]();
  let received = 0;
  let clientLeft = false;
  for (;;) {
    let next: IteratorResult<Buffer>;
    try {
      next = await untilAborted(iterator.next(), signal);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      // The connection broke: the client is gone with its request.
      clientLeft = true;
      void error;
      break;
    }
    if (next.done) break;
    const chunk = next.value;
    if (chunk.length > sealer.remaining) {
      throw new AppError('payload_too_large', `The body goes past the upload's length of ${sealer.offset + sealer.remaining} bytes; nothing of it was kept.`);
    }
    received += chunk.length;
    chunkHash?.update(chunk);
    sealer.update(chunk, (sealed) => writeSegment(fan, sealed));
    if (fan.writableNeedDrain) {
      await once(fan, 'drain', { signal }).catch((error: unknown) => {
        throw signal.aborted ? signal.reason : error;
      });
    }
  }
  if (request.contentLength !== undefined && received < request.contentLength) clientLeft = true;
  if (chunkHash) {
    if (clientLeft) throw new AppError('checksum_mismatch', 'The body was cut short, so its checksum cannot hold; nothing of it was kept.');
    if (chunkHash.digest('hex') !== request.chunkSha256) throw new AppError('checksum_mismatch', 'The body does not match its x-chunk-sha256; nothing of it was kept.');
  }
  return clientLeft;
}

/** What a PATCH that failed answers: a holder's refusal when that is why, else too few holders. */
async function patchError(deps: ResumableDeps, state: UploadState, error: unknown, attempts: Array<Promise<unknown>>): Promise<unknown> {
  if (error instanceof AppError && error.code !== 'replication_failed') return error;
  const failures: unknown[] = error instanceof QuorumError ? error.failures : [];
  if (failures.length === 0) {
    // The quorum may not have settled yet: the holders' answers say more than a broken stream.
    await Promise.race([Promise.allSettled(attempts), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
    for (const attempt of attempts) await attempt.catch((failure: unknown) => failures.push(failure));
  }
  const refusal = failures.find((f): f is AppError => f instanceof AppError && ['upload_busy', 'not_found', 'offset_mismatch', 'conflict'].includes(f.code));
  if (refusal?.code === 'upload_busy' || refusal?.code === 'not_found') return refusal;
  if (refusal) {
    const now = await loadState(deps, state.userId, state.uploadId);
    return offsetMismatch(now?.offset ?? state.offset);
  }
  if (error instanceof QuorumError) {
    return new AppError('replication_failed', `Only ${error.achieved} of the ${error.needed} required holders stored the PATCH.`);
  }
  return error;
}
