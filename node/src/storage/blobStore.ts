import { createHash, randomUUID } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { link, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import { fsyncDir, mkdirDurable } from '../../../common/durable/durableFs';
import { fileHandleSink } from '../../../common/durable/fileHandleSink';
import { DirectorySyncer } from './directorySyncer';
import { BlobIngest } from './encryption/blobIngest';
import { CodecTransform } from './encryption/codecTransform';
import { BlobOpener, openHeader } from './encryption/blobDecoder';
import { OpenedSegmentStream } from './encryption/openedSegmentStream';
import { HEADER_BYTES, lastSegmentIndex, parseHeader, plainSizeOf, segmentSpan, TAG_BYTES } from './encryption/blobFormat';
import { BlobEncryptor } from './encryption/blobEncryptor';
import { takeIn } from './blobIntake';
import { readKeyMarker, writeKeyMarker } from './encryption/keyMarker';
import { keyIdHex, type MasterKeyring } from './encryption/masterKeys';
import { blobPath, filesDir, isUuid, parseBlobName, systemDir, tempDir, TEMP_SUFFIX } from './layout';
import { PLAINTEXT_CONVERTED_MARKER } from './encryption/keyMarker';
import type { BlobEntry, ByteRange, HashOptions, OpenedBlob, RawBlob, WriteOptions, WriteResult } from './blobTypes';
import {
  AbortedError,
  asStorageError,
  IntegrityError,
  InvalidArgumentError,
  NotFoundError,
  RangeNotSatisfiableError,
} from './storageErrors';
import { throttle, type Pace } from './throttle';
import { dirEntries, isMissing, lstatOrUndefined } from './fsLookups';
import { checkedPlainSize, inspect, rewrapHeader } from './encryption/blobHeadOnDisk';

export type { BlobEntry, ByteRange, HashOptions, OpenedBlob, RawBlob, WriteOptions, WriteResult } from './blobTypes';

/** How a store encrypts (README: Encryption at rest). Without it, blobs are plaintext and encrypted ones cannot be read. */
export interface BlobEncryption {
  readonly keyring: MasterKeyring;
  /** Whether new plaintext is encrypted; off only for benchmarks (GEOVAULT_ENCRYPTION=off). */
  readonly enabled: boolean;
}

const SHA256_HEX = /^[0-9a-f]{64}$/i;
/** Reads in 1 MiB pieces: every hop of a download (node, peer, gateway) pays per chunk, not per byte. */
const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * One node's blobs on its own disk. A blob only ever becomes visible whole: it is streamed to
 * `_system/tmp`, checked, fsynced and renamed into place, so a crash or a failed upload can
 * leave at most a temp file, which `init()` sweeps away. Not safe to share a nodeDir between
 * processes.
 *
 * Blobs are encrypted at rest (encryption/blobFormat.ts): `write` takes plaintext or a blob
 * already encrypted (a replica), `open`/`hash` give plaintext and check every segment's tag,
 * `stat` gives the plaintext size, `openRaw` gives the stored bytes for peers. Blobs written
 * before encryption (no blob magic) are read as they are.
 */
export class BlobStore {
  private readonly logger: Logger;
  private readonly encryption: BlobEncryption | undefined;
  private readonly directories = new DirectorySyncer();
  /** Directories known to exist durably: a user's directory is made once, not per upload. */
  private readonly knownDirs = new Set<string>();

  constructor(
    readonly nodeDir: string,
    deps: { logger: Logger; encryption?: BlobEncryption },
  ) {
    this.logger = deps.logger;
    this.encryption = deps.encryption;
  }

  /** Whether new plaintext is written encrypted. */
  get encrypts(): boolean {
    return this.encryption?.enabled === true;
  }

  /** The id of the master key new blobs are wrapped under (undefined without encryption). */
  currentKeyId(): Buffer | undefined {
    return this.encryption?.keyring.current.id;
  }

  /**
   * A stage that encrypts a new file once, with a fresh data key, for every replica at once
   * (the upload's coordinator fans its output out); undefined when encryption is off. It
   * hashes the plaintext, so the index keeps the plaintext's sha256, and keeps the CRC-32 that
   * replicas check their copies against (sealedCopy.ts).
   */
  newEncryptor(): BlobEncryptor | undefined {
    return this.encrypts ? new BlobEncryptor(this.encryption!.keyring.current, { hash: true, crc32: true }) : undefined;
  }

  /** Creates the layout and removes leftovers of interrupted writes. Call before any write. */
  async init(): Promise<number> {
    const tmp = tempDir(this.nodeDir);
    await mkdirDurable(tmp);
    if (this.encrypts) {
      // From now on blobs may be wrapped under the current key: a restart with another key must refuse.
      const marked = readKeyMarker(this.nodeDir);
      const current = keyIdHex(this.encryption!.keyring.current.id);
      if (!marked.includes(current)) await writeKeyMarker(this.nodeDir, [...marked, current]);
    } else {
      // Plaintext is written again (a benchmark): the background conversion has work again.
      await rm(path.join(systemDir(this.nodeDir), PLAINTEXT_CONVERTED_MARKER), { force: true });
    }
    const leftovers = await readdir(tmp);
    for (const name of leftovers) await rm(path.join(tmp, name), { recursive: true, force: true });
    if (leftovers.length > 0) {
      await fsyncDir(tmp);
      this.logger.info({ removed: leftovers.length }, 'removed leftover temp files of interrupted writes');
    }
    return leftovers.length;
  }

  async write(
    userId: string,
    fileId: string,
    source: AsyncIterable<Buffer> | Readable,
    options: WriteOptions = {},
  ): Promise<WriteResult> {
    const target = blobPath(this.nodeDir, userId, fileId);
    const expectedSha256 = checkWriteOptions(options);
    const { signal } = options;
    if (signal?.aborted) throw new AbortedError(signal.reason);
    await this.ensureDir(path.dirname(target));
    const temp = path.join(tempDir(this.nodeDir), `${randomUUID()}${TEMP_SUFFIX}`);
    // Read and write: a re-wrap reads the header back (rewrapHeader).
    const handle = await open(temp, 'wx+', 0o600);
    let handleOpen = true;
    try {
      const sink = fileHandleSink(handle);
      const { size, sha256 } = await takeIn(source, handle, sink, options, this.encryption ? { keyring: this.encryption.keyring, encrypts: this.encrypts } : undefined);
      if (options.expectedSize !== undefined && size !== options.expectedSize) {
        throw new IntegrityError('size', options.expectedSize, size);
      }
      if (expectedSha256 !== undefined && sha256 !== expectedSha256) throw new IntegrityError('sha256', expectedSha256, sha256);
      await Promise.all([handle.sync(), sink.settled()]);
      handleOpen = false;
      await handle.close();
      // A client that went away after its last byte still gets nothing stored: it saw no answer.
      if (signal?.aborted) throw new AbortedError(signal.reason);
      await rename(temp, target).catch(async (error: unknown) => {
        if (!isMissing(error)) throw error;
        // The directory went away under us (removed by hand): make it again, once.
        this.knownDirs.delete(path.dirname(target));
        await this.ensureDir(path.dirname(target));
        await rename(temp, target);
      });
      await this.directories.sync(path.dirname(target));
      return { size, sha256 };
    } catch (error) {
      if (handleOpen) await handle.close().catch(() => undefined);
      await rm(temp, { force: true }).catch((rmError: unknown) => {
        // init() sweeps it at the next start; nothing visible is affected.
        this.logger.warn({ err: rmError, temp }, 'could not remove temp file of a failed write');
      });
      throw asStorageError(error, signal);
    }
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.knownDirs.has(dir)) return;
    await mkdirDurable(dir);
    this.knownDirs.add(dir);
  }

  /**
   * The file's plaintext, or a byte range of it (positions in the plaintext). From an encrypted
   * blob only the segments the range touches are read, and each is checked before a byte of it
   * is given out: a bad tag fails the stream with an IntegrityError.
   */
  async open(userId: string, fileId: string, range?: ByteRange): Promise<OpenedBlob> {
    const handle = await this.openBlob(userId, fileId);
    try {
      const head = await inspect(handle);
      const size = head.kind === 'blob' ? checkedPlainSize(head) : head.size;
      const { start, end } = clampRange(range, size);
      if (head.kind === 'plain') {
        if (size === 0) return { stream: handle.createReadStream({ start: 0, end: -1 }), size, start: 0, end: -1, length: 0 };
        return { stream: handle.createReadStream({ start, end, highWaterMark: READ_CHUNK_BYTES }), size, start, end, length: end - start + 1 };
      }
      const opened = openHeader(head.header, this.keyring());
      const span = segmentSpan(start, end, size, head.segmentSize);
      // Reads of whole segments (about 1 MiB of them, with their tags): each opens where it lies, uncopied.
      const segmentsPerRead = Math.max(1, Math.floor(READ_CHUNK_BYTES / head.segmentSize));
      const opener = new BlobOpener({
        keys: this.keyring(),
        output: 'plaintext',
        opened,
        span: { first: span.first, last: span.last, blobLast: lastSegmentIndex(size, head.segmentSize) },
        skip: span.skip,
        length: span.length,
      });
      const stream = new OpenedSegmentStream(handle, opener, span, segmentsPerRead * (head.segmentSize + TAG_BYTES));
      return { stream, size, start, end, length: end - start + 1 };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /**
   * The stored bytes, for a peer (replicas travel as ciphertext, DESIGN §6): the whole blob, or
   * for a plaintext range its header and the segments the range touches. A blob from before
   * encryption comes as its plaintext (range applied), marked `plain`.
   */
  async openRaw(userId: string, fileId: string, range?: ByteRange): Promise<RawBlob> {
    const handle = await this.openBlob(userId, fileId);
    try {
      const head = await inspect(handle);
      if (head.kind === 'plain') {
        const { start, end } = clampRange(range, head.size);
        const stream = head.size === 0 ? handle.createReadStream({ start: 0, end: -1 }) : handle.createReadStream({ start, end, highWaterMark: READ_CHUNK_BYTES });
        return { format: 'plain', stream, plainSize: head.size, start, end, length: end - start + 1 };
      }
      const plainSize = checkedPlainSize(head);
      if (range === undefined) {
        return { format: 'blob', stream: handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES }), plainSize, start: 0, end: plainSize - 1, length: head.physical };
      }
      const { start, end } = clampRange(range, plainSize);
      const span = segmentSpan(start, end, plainSize, head.segmentSize);
      const segments = handle.createReadStream({ start: span.from, end: span.to - 1, highWaterMark: READ_CHUNK_BYTES });
      const stream = Readable.from(prepend(head.header, segments));
      stream.on('close', () => segments.destroy());
      return { format: 'blob', stream, plainSize, start, end, length: HEADER_BYTES + span.to - span.from, span: { first: span.first, last: span.last } };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /**
   * The plaintext size (what callers compare with a file's size), or -1 for an encrypted blob
   * that no plaintext size fits (cut short, header damaged): never a file's size, so callers
   * take it for corrupt.
   */
  async stat(userId: string, fileId: string): Promise<{ size: number } | undefined> {
    let handle: FileHandle;
    try {
      handle = await this.openBlob(userId, fileId);
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
    try {
      const head = await inspect(handle);
      if (head.kind === 'plain') return { size: head.size };
      return { size: head.kind === 'blob' ? (plainSizeOf(head.physical, head.segmentSize) ?? -1) : -1 };
    } catch (error) {
      if (error instanceof IntegrityError) return { size: -1 };
      throw error;
    } finally {
      await handle.close();
    }
  }

  /**
   * Re-writes a blob from before encryption as an encrypted one (encryption/blobConverter.ts):
   * the plaintext streams (at most `bytesPerSecond`) into a sealed temp file, which is checked,
   * fsynced and renamed over the blob only if the blob is still the one that was read (same
   * inode, size and mtime: a repair or a new upload in between wins). A crash at any point
   * leaves the plaintext blob or the encrypted one in place, each whole, and at most a temp
   * file, which init() sweeps. `skipped` when the blob is already encrypted, gone or changed.
   * A hard-linked blob (a copy) is converted per name: each name gets its own encrypted file.
   */
  async encryptInPlace(userId: string, fileId: string, opts: { bytesPerSecond?: number; signal?: AbortSignal; pace?: Pace } = {}): Promise<'converted' | 'skipped'> {
    if (!this.encrypts) return 'skipped';
    let handle: FileHandle;
    try {
      handle = await this.openBlob(userId, fileId);
    } catch (error) {
      if (error instanceof NotFoundError) return 'skipped';
      throw error;
    }
    const target = blobPath(this.nodeDir, userId, fileId);
    const temp = path.join(tempDir(this.nodeDir), `${randomUUID()}${TEMP_SUFFIX}`);
    let out: FileHandle | undefined;
    try {
      const head = await inspect(handle);
      if (head.kind !== 'plain') return 'skipped';
      const before = await handle.stat();
      out = await open(temp, 'wx', 0o600);
      const ingest = new BlobIngest({ input: 'plaintext', keyring: this.encryption!.keyring, encrypt: true });
      const read = handle.createReadStream({ highWaterMark: 64 * 1024, autoClose: false });
      const source = opts.bytesPerSecond ? throttle(read as AsyncIterable<Buffer>, opts.bytesPerSecond, { pace: opts.pace, signal: opts.signal }) : read;
      const sink = fileHandleSink(out);
      await pipeline(source, new CodecTransform(ingest), sink, { signal: opts.signal });
      if (ingest.bytes !== before.size) throw new IntegrityError('size', before.size, ingest.bytes);
      await Promise.all([out.sync(), sink.settled()]);
      await out.close();
      out = undefined;
      const now = await stat(target).catch(() => undefined);
      if (!now || now.ino !== before.ino || now.size !== before.size || now.mtimeMs !== before.mtimeMs) {
        await rm(temp, { force: true });
        return 'skipped';
      }
      await rename(temp, target);
      await this.directories.sync(path.dirname(target));
      return 'converted';
    } catch (error) {
      await out?.close().catch(() => undefined);
      await rm(temp, { force: true }).catch(() => undefined);
      throw asStorageError(error, opts.signal);
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  /**
   * A master key rotation's step for one blob: when its data key is wrapped under another key
   * than the current one, wraps it under the current key into the header's inactive slot (with
   * the next sequence number) and fsyncs. The data is not rewritten; a crash leaves the old slot
   * valid, or the new one whole. Hard links share the inode: one re-wrap serves every name.
   */
  async rewrapInPlace(userId: string, fileId: string): Promise<'rewrapped' | 'skipped'> {
    if (!this.encryption) return 'skipped';
    let handle: FileHandle;
    try {
      handle = await open(blobPath(this.nodeDir, userId, fileId), 'r+');
    } catch (error) {
      if (isMissing(error)) return 'skipped';
      throw error;
    }
    try {
      if (!(await handle.stat()).isFile()) return 'skipped';
      if (!(await rewrapHeader(handle, this.encryption.keyring))) return 'skipped';
      await handle.datasync();
      return 'rewrapped';
    } finally {
      await handle.close();
    }
  }

  /** The master key id a blob's active slot names, or undefined for a plaintext blob. */
  async keyIdOf(userId: string, fileId: string): Promise<string | undefined> {
    const handle = await this.openBlob(userId, fileId);
    try {
      const head = await inspect(handle);
      return head.kind === 'blob' ? parseHeader(head.header).active.keyId.toString('hex') : undefined;
    } finally {
      await handle.close();
    }
  }

  /**
   * Makes `toFileId` a hard link of `fromFileId`'s blob (a copy of a file: DESIGN §5, no bytes
   * written or sent). False when the source is not here; an existing target is left alone.
   */
  async link(userId: string, fromFileId: string, toFileId: string): Promise<boolean> {
    const source = blobPath(this.nodeDir, userId, fromFileId);
    const target = blobPath(this.nodeDir, userId, toFileId);
    try {
      await link(source, target);
    } catch (error) {
      if (isMissing(error)) return false;
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return true;
      throw error;
    }
    await this.directories.sync(path.dirname(target));
    return true;
  }

  /** Idempotent; true when a blob was there. The user's `files/` directory stays. */
  async remove(userId: string, fileId: string): Promise<boolean> {
    const target = blobPath(this.nodeDir, userId, fileId);
    try {
      await rm(target);
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
    await this.directories.sync(path.dirname(target));
    return true;
  }

  /**
   * SHA-256 (hex) of the file's plaintext, read at most at `bytesPerSecond` when given. An
   * encrypted blob whose header or a segment fails its tag throws an IntegrityError.
   */
  async hash(userId: string, fileId: string, options: HashOptions = {}): Promise<string> {
    const { bytesPerSecond, signal, pace } = options;
    const { stream } = await this.open(userId, fileId);
    const digest = createHash('sha256');
    try {
      const chunks = bytesPerSecond === undefined ? stream : throttle(stream as AsyncIterable<Buffer>, bytesPerSecond, { pace, signal });
      for await (const chunk of chunks) {
        signal?.throwIfAborted();
        digest.update(chunk as Buffer);
      }
      return digest.digest('hex');
    } catch (error) {
      throw asStorageError(error, signal);
    } finally {
      stream.destroy();
    }
  }

  /** Every blob on disk, skipping anything that does not fit the layout (`_system`, strays). */
  async *list(): AsyncGenerator<BlobEntry> {
    // Neither Dirent nor lstat follows symlinks: a link is not a blob of ours, whatever it points to.
    for await (const user of dirEntries(this.nodeDir)) {
      if (!user.isDirectory() || !isUuid(user.name)) continue;
      const userId = user.name;
      const dir = filesDir(this.nodeDir, userId);
      for await (const file of dirEntries(dir)) {
        const fileId = parseBlobName(file.name);
        if (fileId === undefined) continue;
        const stats = await lstatOrUndefined(path.join(dir, file.name));
        if (stats?.isFile()) yield { userId, fileId, size: stats.size, mtimeMs: stats.mtimeMs };
      }
    }
  }

  /** Physical bytes of blobs on this node (each replica counted here once; headers and tags included). */
  async bytesStored(): Promise<number> {
    let total = 0;
    for await (const entry of this.list()) total += entry.size;
    return total;
  }

  private keyring(): MasterKeyring {
    if (!this.encryption) throw new IntegrityError('segment', 'plaintext', 'an encrypted blob, and this store has no master key');
    return this.encryption.keyring;
  }

  private async openBlob(userId: string, fileId: string): Promise<FileHandle> {
    let handle: FileHandle;
    try {
      handle = await open(blobPath(this.nodeDir, userId, fileId), 'r');
    } catch (error) {
      if (isMissing(error)) throw new NotFoundError(userId, fileId);
      throw error;
    }
    // Opening a directory for reading succeeds on Linux; it is still not a blob.
    if (!(await handle.stat()).isFile()) {
      await handle.close();
      throw new NotFoundError(userId, fileId);
    }
    return handle;
  }
}

function checkWriteOptions(options: WriteOptions): string | undefined {
  for (const key of ['maxBytes', 'expectedSize'] as const) {
    const value = options[key];
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) {
      throw new InvalidArgumentError(`${key} must be a non-negative integer.`);
    }
  }
  const sha = options.expectedSha256;
  if (sha !== undefined && !SHA256_HEX.test(sha)) throw new InvalidArgumentError('expectedSha256 must be 64 hex digits.');
  return sha?.toLowerCase();
}



/** A range checked against a size, the end clamped as HTTP does; the whole file when absent. */
function clampRange(range: ByteRange | undefined, size: number): { start: number; end: number } {
  if (range === undefined) return { start: 0, end: size - 1 };
  const { start, end: requestedEnd } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(requestedEnd) || start < 0 || start > requestedEnd) {
    throw new InvalidArgumentError('A range needs integers 0 <= start <= end.');
  }
  if (start >= size) throw new RangeNotSatisfiableError(start, requestedEnd, size);
  // As HTTP does: an end past the last byte means "to the end".
  return { start, end: Math.min(requestedEnd, size - 1) };
}

async function* prepend(first: Buffer, rest: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  yield first;
  yield* rest;
}
