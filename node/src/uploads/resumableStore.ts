import { constants as fsConstants, createReadStream } from 'node:fs';
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import { fsyncDir, mkdirDurable } from '../../../common/durable/durableFs';
import { fileHandleSink, type FileHandleSink } from '../../../common/durable/fileHandleSink';
import type { CreatePartialRequest } from '../api/partials';
import { AppError } from '../http/errors';
import { blobSize, parseHeader } from '../storage/encryption/blobFormat';
import { blobPath, filesDir, partialPath, uploadsDir } from '../storage/layout';
import { BusyError, HolderLeases } from './holderLeases';
import { OpenPartials, type OpenPartial } from './openPartials';
import { baseFrameSchema, commitFrameSchema, FRAME, FrameError, FrameReader, type BaseFrame, type CommitFrame, type FrameKind } from './partialFrames';
import { partialBytes } from './partialSealer';
import type { PartialRecord, ResumableRecords } from './resumableRecords';

/** A partial's descriptor stays open this long after a PATCH, for the client's next one. */
const PARTIAL_IDLE_MS = 30_000;

type Event = { kind: 'data'; bytes: Buffer } | { kind: FrameKind; payload: Buffer };

/**
 * The holder's side of resumable uploads: each upload's partial (the encrypted blob it becomes,
 * whole sealed segments only) under `<userId>/uploads/<uploadId>.part`, and its record
 * (resumableRecords.ts). A PATCH's segments are appended as they come; only the COMMIT frame,
 * once the partial is fsynced, moves the recorded offset, so bytes past it are garbage from a
 * stream that broke off and are cut before the next append. No plaintext ever reaches a file.
 */
export class ResumableStore {
  private readonly leases: HolderLeases;
  /** Descriptors of partials between two PATCHes (openPartials.ts). */
  private readonly openPartials = new OpenPartials(PARTIAL_IDLE_MS);

  constructor(
    private readonly deps: {
      nodeDir: string;
      records: ResumableRecords;
      leaseMs: number;
      now: () => number;
      /** Whether a file's entry is committed (a renamed partial whose commit failed is not one). */
      isCommitted: (userId: string, fileId: string) => boolean;
      logger: Logger;
    },
  ) {
    this.leases = new HolderLeases(deps.leaseMs, deps.now);
  }

  /** This holder's record of an upload of `userId`; undefined for anyone else's. */
  record(userId: string, uploadId: string): PartialRecord | undefined {
    const record = this.deps.records.get(uploadId);
    return record?.userId === userId ? record : undefined;
  }

  /** Whether an upload that is not committed yet is held here (a peer's orphan check asks). */
  holdsUnfinished(userId: string, uploadId: string): boolean {
    const state = this.record(userId, uploadId)?.state;
    return state !== undefined && state !== 'completed';
  }

  /** The record and an empty partial (the header alone), both durable. Idempotent. */
  async create(userId: string, uploadId: string, request: CreatePartialRequest): Promise<PartialRecord> {
    const existing = this.deps.records.get(uploadId);
    if (existing) {
      if (existing.userId !== userId) throw new AppError('conflict', `Upload ${uploadId} exists.`);
      return existing;
    }
    const header = Buffer.from(request.header, 'base64');
    parseHeader(header);
    const dir = uploadsDir(this.deps.nodeDir, userId);
    await mkdirDurable(dir);
    const handle = await open(partialPath(this.deps.nodeDir, userId, uploadId), 'w', 0o600);
    try {
      await handle.writeFile(header);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await fsyncDir(dir);
    const record: PartialRecord = {
      uploadId,
      userId,
      length: request.length,
      meta: request.meta,
      header,
      createdAt: request.createdAt,
      expiresAt: request.expiresAt,
      offset: 0,
      tail: Buffer.alloc(0),
      state: 'open',
    };
    await this.deps.records.insert(record);
    return record;
  }

  /**
   * Appends one PATCH's framed stream (partialFrames.ts) and records its COMMIT: resolves once
   * the new offset is durable here. 423 while another coordinator's lease holds; 409 with this
   * holder's offset when it is behind the stream's base (the coordinator catches it up first).
   * A `standby` append is opened ahead of the client's next PATCH (standbyAppends.ts): until
   * its first DATA or COMMIT it gives the upload up to any other writer, its base must be this
   * holder's offset (409 otherwise: it never moves a holder back), and a stream that ends
   * after its base with nothing else changes nothing and answers the record as it is.
   */
  async append(userId: string, uploadId: string, body: Readable, signal?: AbortSignal, opts: { standby?: boolean } = {}): Promise<PartialRecord> {
    let current = this.requireRecord(userId, uploadId);
    if (current.state !== 'open' && current.state !== 'sealed') throw new AppError('conflict', `Upload ${uploadId} is already ${current.state}.`);
    let lease;
    try {
      lease = await this.leases.acquire(uploadId, opts);
    } catch (error) {
      if (error instanceof BusyError) throw new AppError('upload_busy', error.message);
      throw error;
    }
    const { length } = current;
    const segmentSize = parseHeader(current.header).active.segmentSize;
    const kept = this.openPartials.take(uploadId);
    const handle =
      kept?.handle ??
      (await open(partialPath(this.deps.nodeDir, userId, uploadId), fsConstants.O_WRONLY | fsConstants.O_APPEND).catch((error: unknown) => {
        lease.release();
        throw error;
      }));
    let keepOpen: OpenPartial | undefined;
    let sink: FileHandleSink | undefined;
    try {
      let base: BaseFrame | undefined;
      let commit: CommitFrame | undefined;
      /** Whether a DATA or COMMIT frame came: a standby writer then holds the upload. */
      let writing = false;
      let sizeAfterBase = 0;
      const events: Event[] = [];
      const reader = new FrameReader({
        data: (bytes) => events.push({ kind: 'data', bytes }),
        control: (kind, payload) => events.push({ kind, payload }),
      });
      const rebase = async (frame: BaseFrame) => {
        current = this.requireRecord(userId, uploadId);
        if (frame.from > current.offset) throw new AppError('offset_mismatch', `This holder has ${current.offset} bytes, not ${frame.from}.`, {}, { offset: current.offset });
        // A standby opened from a state that has moved on since (a PATCH through another node
        // or after it) is useless; it must never take this holder back to its base.
        if (opts.standby && frame.from !== current.offset) throw new AppError('offset_mismatch', `This holder has ${current.offset} bytes, not ${frame.from}.`, {}, { offset: current.offset });
        if (frame.from === length && current.state === 'sealed') throw new AppError('conflict', `Upload ${uploadId} is whole already.`);
        const keep = partialBytes(frame.from, length, segmentSize, false);
        const size = kept?.size ?? (await handle.stat()).size;
        if (size < keep) throw new AppError('internal', `The partial of ${uploadId} is shorter than its record says.`);
        if (frame.from < current.offset) {
          // Ahead of the W holders (a PATCH that reached too few): back to the base first, durably,
          // so that the record never says more than the partial holds.
          await this.deps.records.setProgress(uploadId, frame.from, Buffer.from(frame.tail, 'base64'), 'open');
          current = this.requireRecord(userId, uploadId);
        }
        if (size > keep) await handle.truncate(keep);
        sizeAfterBase = keep;
      };
      const startWriting = () => {
        if (writing) return;
        writing = true;
        lease.hold();
      };
      const decoder = new Transform({
        readableHighWaterMark: 1024 * 1024,
        transform(chunk: Buffer, _encoding, callback) {
          lease.touch();
          try {
            reader.update(chunk);
          } catch (error) {
            callback(error as Error);
            return;
          }
          const batch = events.splice(0);
          const pushData = (bytes: Buffer) => {
            if (!base || commit) throw new FrameError('data outside the base and commit frames');
            startWriting();
            this.push(bytes);
          };
          if (batch.every((event) => event.kind === 'data')) {
            // The common case, with no promise per chunk: data between the base and the commit.
            try {
              for (const event of batch) pushData(event.bytes);
            } catch (error) {
              callback(error as Error);
              return;
            }
            callback();
            return;
          }
          void (async () => {
            for (const event of batch) {
              if (event.kind === 'data') pushData(event.bytes);
              else if (event.kind === FRAME.BASE) {
                if (base) throw new FrameError('a second base frame');
                base = baseFrameSchema.parse(JSON.parse(event.payload.toString('utf8')));
                await rebase(base);
              } else if (event.kind === FRAME.COMMIT) {
                if (!base || commit) throw new FrameError('a commit frame out of place');
                startWriting();
                commit = commitFrameSchema.parse(JSON.parse(event.payload.toString('utf8')));
              }
            }
          })().then(() => callback(), (error: unknown) => callback(error as Error));
        },
      });
      sink = fileHandleSink(handle);
      await pipeline(body, decoder, sink, { signal: signal ? AbortSignal.any([signal, lease.signal]) : lease.signal });
      if (opts.standby && base && !writing && reader.atBoundary) {
        // A standby its coordinator closed unused: the base only truncated what no record vouched for.
        await sink.settled();
        keepOpen = { handle, size: sizeAfterBase };
        return this.requireRecord(userId, uploadId);
      }
      if (!base || !commit || !reader.atBoundary) throw new AppError('invalid_request', 'The stream ended before its commit frame.');
      const { offset, sealed } = commit;
      if (offset < base.from || offset > length || sealed !== (offset === length)) throw new AppError('invalid_request', `A commit at offset ${offset} does not fit.`);
      const expected = partialBytes(offset, length, segmentSize, sealed);
      // The COMMIT's own fdatasync covers every byte; it need not wait for the background one to end.
      const [{ size }] = await Promise.all([handle.stat(), handle.datasync(), sink.settled()]);
      if (size !== expected) throw new AppError('invalid_request', `The partial holds ${size} bytes where offset ${offset} needs ${expected}.`);
      await this.deps.records.setProgress(uploadId, offset, Buffer.from(commit.tail, 'base64'), sealed ? 'sealed' : 'open');
      keepOpen = { handle, size };
      return this.requireRecord(userId, uploadId);
    } catch (error) {
      if (error instanceof FrameError || (error as { name?: string }).name === 'ZodError' || error instanceof SyntaxError) {
        throw new AppError('invalid_request', `Bad append stream: ${(error as Error).message}`);
      }
      if (lease.signal.aborted && !(error instanceof AppError)) {
        // Removed meanwhile (not_found), or taken over by a coordinator whose lease is live.
        const reason: unknown = lease.signal.reason;
        throw reason instanceof AppError ? reason : new AppError('upload_busy', 'Another coordinator took the upload over.');
      }
      throw error;
    } finally {
      // A background flush still running must end before its descriptor is closed.
      await sink?.settled().catch(() => undefined);
      if (keepOpen) this.openPartials.give(uploadId, keepOpen);
      else await handle.close().catch(() => undefined);
      lease.release();
    }
  }

  /** The partial's bytes [from, to), up to what its record vouches for; from the blob once renamed. */
  openBytes(userId: string, uploadId: string, from: number, to: number): Readable {
    const record = this.requireRecord(userId, uploadId);
    const segmentSize = parseHeader(record.header).active.segmentSize;
    const whole = record.state !== 'open';
    const limit = partialBytes(record.offset, record.length, segmentSize, whole);
    if (from > to || to > limit) throw new AppError('range_not_satisfiable', `Bytes ${from}-${to} are outside the ${limit} this holder vouches for.`);
    if (from === to) return Readable.from([]);
    const file = record.state === 'stored' || record.state === 'completed' ? blobPath(this.deps.nodeDir, userId, uploadId) : partialPath(this.deps.nodeDir, userId, uploadId);
    return createReadStream(file, { start: from, end: to - 1, highWaterMark: 1024 * 1024 });
  }

  /**
   * The whole partial becomes the blob at its normal path (an atomic rename, both directories
   * fsynced): nothing is copied. Idempotent once done.
   */
  async finish(userId: string, uploadId: string): Promise<PartialRecord> {
    const record = this.requireRecord(userId, uploadId);
    if (record.state === 'stored' || record.state === 'completed') return record;
    if (record.state !== 'sealed') throw new AppError('conflict', `Upload ${uploadId} is not whole yet (${record.offset} of ${record.length} bytes).`);
    const from = partialPath(this.deps.nodeDir, userId, uploadId);
    const expected = blobSize(record.length, parseHeader(record.header).active.segmentSize);
    const size = (await stat(from)).size;
    if (size !== expected) throw new AppError('internal', `The partial of ${uploadId} holds ${size} bytes, not ${expected}.`);
    const target = blobPath(this.deps.nodeDir, userId, uploadId);
    await mkdirDurable(filesDir(this.deps.nodeDir, userId));
    await this.openPartials.close(uploadId);
    await rename(from, target);
    await fsyncDir(path.dirname(target));
    await fsyncDir(path.dirname(from));
    await this.deps.records.setState(uploadId, 'stored');
    return this.requireRecord(userId, uploadId);
  }

  async markCompleted(userId: string, uploadId: string, completion: NonNullable<PartialRecord['completion']>): Promise<void> {
    if (!this.record(userId, uploadId)) return;
    await this.deps.records.setCompleted(uploadId, completion);
  }

  /**
   * Removes the upload here (termination, failure, expiry): a writer is stopped first, then
   * the partial and the record go. A blob it became is removed too unless its file was
   * committed. Returns the record removed, if any.
   */
  async remove(userId: string, uploadId: string): Promise<PartialRecord | undefined> {
    const record = this.record(userId, uploadId);
    if (!record) return undefined;
    await this.leases.revoke(uploadId, new AppError('not_found', `Upload ${uploadId} was removed.`));
    await this.openPartials.close(uploadId);
    await rm(partialPath(this.deps.nodeDir, userId, uploadId), { force: true });
    if ((record.state === 'stored' || record.state === 'completed') && !this.deps.isCommitted(userId, uploadId)) {
      await rm(blobPath(this.deps.nodeDir, userId, uploadId), { force: true });
      await fsyncDir(filesDir(this.deps.nodeDir, userId)).catch(() => undefined);
    }
    await fsyncDir(uploadsDir(this.deps.nodeDir, userId)).catch(() => undefined);
    await this.deps.records.remove(uploadId);
    this.deps.logger.info({ userId, uploadId, state: record.state, offset: record.offset }, 'resumable upload removed here');
    return record;
  }

  /** Whether a coordinator is writing the upload here now (expiry leaves it alone). */
  isBeingWritten(uploadId: string): boolean {
    return this.leases.isHeld(uploadId);
  }

  expired(now: number, limit: number, after?: { expiresAt: number; uploadId: string }): PartialRecord[] {
    return this.deps.records.expired(now, limit, after);
  }

  private requireRecord(userId: string, uploadId: string): PartialRecord {
    const record = this.record(userId, uploadId);
    if (!record) throw new AppError('not_found', `No upload ${uploadId} here.`);
    return record;
  }
}
