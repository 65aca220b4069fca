import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { NodeId } from '../gossip/frames';
import { systemClock } from '../time/clock';
import type { Clock } from '../time/clock';
import { HybridClock } from './hlc';
import { ReplicatedIndex } from './replicatedIndex';
import { indexSnapshotSchema, logRecordSchema } from './records';
import type { LogRecord, RecordSink } from './records';

export const LOG_FILE = 'index.log';
export const SNAPSHOT_FILE = 'index.snapshot.json';

export interface IndexLogOptions {
  self: NodeId;
  logger: Logger;
  /** Wall clock for the index's HLC. */
  clock?: Clock;
  maxDriftMs?: number;
  /** Records in the log after which it is folded into a new snapshot. */
  compactAfter?: number;
}

interface Pending {
  data: string;
  count: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The index on disk: a snapshot plus an append-only log of JSON lines replayed on top of it.
 * Appends are group-committed: whatever is queued while one fdatasync runs goes out in the
 * next single write + fdatasync, so many concurrent writes cost one disk flush.
 *
 * Callers apply records to `index` before appending them. That is what lets compaction
 * snapshot the in-memory index at any moment: the snapshot already contains every record
 * queued so far, and replaying a record on a state that contains it changes nothing.
 */
export class IndexLog implements RecordSink {
  private queue: Pending[] = [];
  private compactWaiters: Array<Omit<Pending, 'data' | 'count'>> = [];
  private flushing: Promise<void> | null = null;
  private closed = false;
  /** Set when a failed write could not be undone: appending more would corrupt the log. */
  private broken: Error | null = null;
  /** Stats for tests and the status page. */
  readonly stats = { records: 0, batches: 0, compactions: 0 };

  private constructor(
    readonly index: ReplicatedIndex,
    private readonly dir: string,
    private handle: fs.FileHandle,
    private bytes: number,
    private readonly logger: Logger,
    private readonly compactAfter: number,
  ) {}

  /** Loads the snapshot, replays the log (dropping a torn last line) and opens it for appends. */
  static async open(dir: string, options: IndexLogOptions): Promise<IndexLog> {
    await fs.mkdir(dir, { recursive: true });
    await fs.rm(path.join(dir, `${SNAPSHOT_FILE}.tmp`), { force: true });
    const hlc = new HybridClock(options.self, options.clock ?? systemClock, options.maxDriftMs);
    const snapshotText = await readIfExists(path.join(dir, SNAPSHOT_FILE));
    const index =
      snapshotText === null
        ? new ReplicatedIndex(options.self, hlc, { durableWrites: true })
        : ReplicatedIndex.fromSnapshot(parseSnapshot(snapshotText, dir), hlc, { durableWrites: true });

    const logPath = path.join(dir, LOG_FILE);
    const { records, goodBytes, tornBytes } = parseLog((await readIfExists(logPath)) ?? '', logPath);
    for (const record of records) replay(index, record);
    index.markAllDurable();

    const handle = await fs.open(logPath, 'a');
    // Cut a torn tail off, or the next append would be glued onto half a line.
    if (tornBytes > 0) {
      await handle.truncate(goodBytes);
      await handle.datasync();
    }
    const log = new IndexLog(index, dir, handle, goodBytes, options.logger, options.compactAfter ?? 10_000);
    log.stats.records = records.length;
    options.logger.info(
      { entries: index.size, tombstones: index.tombstoneCount, records: records.length, tornBytes, digest: index.digest() },
      'index restored',
    );
    if (records.length >= log.compactAfter) await log.compact();
    return log;
  }

  /** Resolves once the records are on disk (fdatasync). */
  append(records: LogRecord[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('index log is closed'));
    if (this.broken) return Promise.reject(this.broken);
    if (records.length === 0) return Promise.resolve();
    const data = records.map((record) => `${JSON.stringify(record)}\n`).join('');
    return new Promise((resolve, reject) => {
      this.queue.push({ data, count: records.length, resolve, reject });
      this.flushing ??= this.flushLoop();
    });
  }

  /** Folds the log into a new snapshot now (normally done after compactAfter records). */
  compact(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('index log is closed'));
    return new Promise((resolve, reject) => {
      this.compactWaiters.push({ resolve, reject });
      this.flushing ??= this.flushLoop();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flushing;
    await this.handle.close();
  }

  /** The only code that touches the file after open, so writes and compaction never interleave. */
  private async flushLoop(): Promise<void> {
    while (this.queue.length > 0 || this.compactWaiters.length > 0) {
      const batch = this.queue.splice(0);
      if (batch.length > 0) {
        try {
          await this.write(batch.map((pending) => pending.data).join(''));
          this.stats.batches++;
          for (const pending of batch) {
            this.stats.records += pending.count;
            pending.resolve();
          }
        } catch (error) {
          this.logger.error({ err: error }, 'index log append failed');
          for (const pending of batch) pending.reject(error);
        }
      }
      const waiters = this.compactWaiters.splice(0);
      if ((this.stats.records >= this.compactAfter || waiters.length > 0) && !this.broken) {
        try {
          await this.compactNow();
          for (const waiter of waiters) waiter.resolve();
        } catch (error) {
          this.logger.error({ err: error }, 'index compaction failed');
          for (const waiter of waiters) waiter.reject(error);
        }
      } else {
        for (const waiter of waiters) waiter.reject(this.broken);
      }
    }
    this.flushing = null;
  }

  private async write(data: string): Promise<void> {
    if (this.broken) throw this.broken;
    const buffer = Buffer.from(data, 'utf8');
    try {
      let offset = 0;
      while (offset < buffer.length) {
        const { bytesWritten } = await this.handle.write(buffer, offset, buffer.length - offset);
        offset += bytesWritten;
      }
      await this.handle.datasync();
      this.bytes += buffer.length;
    } catch (error) {
      // Undo a partial write so the log stays a sequence of whole lines.
      await this.handle.truncate(this.bytes).catch((truncateError: unknown) => {
        this.broken = new Error('index log is unusable after a failed write', { cause: truncateError });
      });
      throw error;
    }
  }

  private async compactNow(): Promise<void> {
    // Synchronous with respect to appends: no write runs while this does (see class comment).
    const snapshot = this.index.toSnapshot();
    const target = path.join(this.dir, SNAPSHOT_FILE);
    const temp = `${target}.tmp`;
    const file = await fs.open(temp, 'w');
    try {
      await file.writeFile(JSON.stringify(snapshot));
      await file.sync();
    } finally {
      await file.close();
    }
    await fs.rename(temp, target);
    // The rename is durable only once the directory entry is; until then a crash may bring
    // back the old snapshot, which is why the log is truncated only after this.
    await syncDir(this.dir);
    await this.handle.truncate(0);
    await this.handle.datasync();
    this.bytes = 0;
    this.stats.records = 0;
    this.stats.compactions++;
    this.logger.debug({ facts: snapshot.facts.length }, 'index log compacted');
  }
}

/** Replays one persisted record. Every kind is idempotent, which compaction relies on. */
export function replay(index: ReplicatedIndex, record: LogRecord): void {
  if (record.t === 'facts') index.apply(record.facts);
  else if (record.t === 'upTo') index.advance(record.upTo);
  else index.collectTombstones(new Map(Object.entries(record.peerDigests)), record.members);
}

/**
 * Splits the log into records. Only the last line may be damaged (a crash mid-append, never
 * acknowledged); damage earlier means the file was corrupted some other way, and guessing
 * past it could lose or invent facts, so that stops the start-up.
 */
export function parseLog(text: string, name: string): { records: LogRecord[]; goodBytes: number; tornBytes: number } {
  const records: LogRecord[] = [];
  let goodBytes = 0;
  let start = 0;
  const total = Buffer.byteLength(text, 'utf8');
  while (start < text.length) {
    const end = text.indexOf('\n', start);
    const line = text.slice(start, end === -1 ? text.length : end);
    const record = end === -1 ? null : parseRecord(line);
    if (!record) {
      const rest = text.slice(end === -1 ? text.length : end + 1);
      if (rest.trim().length > 0) throw new Error(`${name}: damaged record at byte ${goodBytes}, followed by more records`);
      return { records, goodBytes, tornBytes: total - goodBytes };
    }
    records.push(record);
    goodBytes += Buffer.byteLength(line, 'utf8') + 1;
    start = end + 1;
  }
  return { records, goodBytes, tornBytes: 0 };
}

function parseRecord(line: string): LogRecord | null {
  try {
    const result = logRecordSchema.safeParse(JSON.parse(line));
    return result.success ? result.data : null;
  } catch {
    return null;
  }
}

function parseSnapshot(text: string, dir: string) {
  const name = path.join(dir, SNAPSHOT_FILE);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // Snapshots are renamed into place whole, so a damaged one is not a crash artefact.
    throw new Error(`${name}: not JSON`);
  }
  const result = indexSnapshotSchema.safeParse(data);
  if (!result.success) throw new Error(`${name}: not a valid index snapshot (${result.error.issues[0]?.message})`);
  return result.data;
}

async function readIfExists(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } catch (error) {
    // Some platforms cannot fsync a directory; the rename is then as durable as they allow.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM') throw error;
  } finally {
    await handle.close();
  }
}
