import { createHash, randomUUID } from 'node:crypto';
import type { Dirent, Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { link, lstat, open, opendir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import { fileHandleSink, fsyncDir, mkdirDurable } from '../../../common/durable/durableFs';
import { DirectorySyncer } from './directorySyncer';
import { HashingMeter } from './hashingMeter';
import { blobPath, filesDir, isUuid, parseBlobName, tempDir, TEMP_SUFFIX } from './layout';
import type { BlobEntry, ByteRange, HashOptions, OpenedBlob, WriteOptions, WriteResult } from './blobTypes';
import {
  AbortedError,
  asStorageError,
  IntegrityError,
  InvalidArgumentError,
  NotFoundError,
  RangeNotSatisfiableError,
} from './storageErrors';
import { throttle } from './throttle';

export type { BlobEntry, ByteRange, HashOptions, OpenedBlob, WriteOptions, WriteResult } from './blobTypes';

const SHA256_HEX = /^[0-9a-f]{64}$/i;
/** Reads in 1 MiB pieces: every hop of a download (node, peer, gateway) pays per chunk, not per byte. */
const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * One node's blobs on its own disk. A blob only ever becomes visible whole: it is streamed to
 * `_system/tmp`, checked, fsynced and renamed into place, so a crash or a failed upload can
 * leave at most a temp file, which `init()` sweeps away. Not safe to share a nodeDir between
 * processes.
 */
export class BlobStore {
  private readonly logger: Logger;
  private readonly directories = new DirectorySyncer();
  /** Directories known to exist durably: a user's directory is made once, not per upload. */
  private readonly knownDirs = new Set<string>();

  constructor(
    readonly nodeDir: string,
    deps: { logger: Logger },
  ) {
    this.logger = deps.logger;
  }

  /** Creates the layout and removes leftovers of interrupted writes. Call before any write. */
  async init(): Promise<number> {
    const tmp = tempDir(this.nodeDir);
    await mkdirDurable(tmp);
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
    const handle = await open(temp, 'wx', 0o600);
    let handleOpen = true;
    try {
      const meter = new HashingMeter(options);
      await pipeline(source, meter, fileHandleSink(handle), { signal });
      const size = meter.bytes;
      const sha256 = meter.digest();
      if (options.expectedSize !== undefined && size !== options.expectedSize) {
        throw new IntegrityError('size', options.expectedSize, size);
      }
      if (expectedSha256 !== undefined && sha256 !== expectedSha256) throw new IntegrityError('sha256', expectedSha256, sha256);
      await handle.sync();
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

  async open(userId: string, fileId: string, range?: ByteRange): Promise<OpenedBlob> {
    const handle = await this.openBlob(userId, fileId);
    try {
      const { size } = await handle.stat();
      if (range === undefined) {
        return { stream: handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES }), size, start: 0, end: size - 1, length: size };
      }
      const { start, end: requestedEnd } = range;
      if (!Number.isSafeInteger(start) || !Number.isSafeInteger(requestedEnd) || start < 0 || start > requestedEnd) {
        throw new InvalidArgumentError('A range needs integers 0 <= start <= end.');
      }
      if (start >= size) throw new RangeNotSatisfiableError(start, requestedEnd, size);
      // As HTTP does: an end past the last byte means "to the end".
      const end = Math.min(requestedEnd, size - 1);
      return { stream: handle.createReadStream({ start, end, highWaterMark: READ_CHUNK_BYTES }), size, start, end, length: end - start + 1 };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async stat(userId: string, fileId: string): Promise<{ size: number } | undefined> {
    try {
      const stats = await stat(blobPath(this.nodeDir, userId, fileId));
      return stats.isFile() ? { size: stats.size } : undefined;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
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

  /** SHA-256 (hex) of the stored blob, read at most at `bytesPerSecond` when given. */
  async hash(userId: string, fileId: string, options: HashOptions = {}): Promise<string> {
    const { bytesPerSecond, signal, pace } = options;
    const handle = await this.openBlob(userId, fileId);
    // Small reads when paced, so the rate is smooth rather than 64 KiB bursts.
    const highWaterMark = bytesPerSecond ? Math.max(4096, Math.min(65536, Math.floor(bytesPerSecond / 10))) : 65536;
    const stream = handle.createReadStream({ highWaterMark });
    const digest = createHash('sha256');
    try {
      const chunks = bytesPerSecond === undefined ? stream : throttle(stream, bytesPerSecond, { pace, signal });
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

  /** Physical bytes of blobs on this node (each replica counted here once). */
  async bytesStored(): Promise<number> {
    let total = 0;
    for await (const entry of this.list()) total += entry.size;
    return total;
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

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

async function* dirEntries(dir: string): AsyncGenerator<Dirent> {
  let handle;
  try {
    handle = await opendir(dir);
  } catch (error) {
    if (isMissing(error)) return;
    throw error;
  }
  yield* handle;
}

async function lstatOrUndefined(file: string): Promise<Stats | undefined> {
  try {
    return await lstat(file);
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}
