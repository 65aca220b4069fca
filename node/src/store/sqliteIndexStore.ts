import fs from 'node:fs';
import fsp from 'node:fs/promises';
import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { Digest, Fact, Hlc, NodeId } from '../gossip/frames';
import type { FactHeader, FactStore, IndexState } from '../index/factStore';
import type { Durability } from '../index/indexCommitter';
import type { Grave } from '../index/records';
import { Checkpointer } from './checkpointer';
import { Counters } from './counters';
import { ItemsSchema, type ItemsSchemaOptions } from './itemsSchema';
import { FACT_COLUMNS, toFact, type FactRow } from './factRows';
import { prefixEnd } from './keyRange';
import { migrate, TREE_SCHEMA } from './migrations';

export const STORE_FILE = 'index.db';

export interface SqliteIndexStoreOptions extends ItemsSchemaOptions {
  /** Path of the database file; its write-ahead log sits beside it. */
  file: string;
  logger: Logger;
  /** Page cache, in MiB: what the store may keep in memory whatever the number of files. */
  cacheMiB?: number;
  /** How often the write-ahead log is copied into the database (0: never, for tests). */
  checkpointIntervalMs?: number;
  /** Log frames past which a checkpoint that never catches up counts as starved (Checkpointer). */
  checkpointStarvedFrames?: number;
}

type Value = Exclude<Fact['value'], null>;

/**
 * The replicated index on the node's disk: SQLite in WAL mode (DESIGN §4). Facts, graves,
 * watermarks, counters and the items derived from file facts change in one transaction per
 * batch. Commits do not fsync on the event loop: `sync()` fdatasyncs the write-ahead log on
 * the thread pool, and the committer makes nothing visible to peers or callers before it
 * resolves. Memory is the page cache, whatever the number of files.
 */
export class SqliteIndexStore implements FactStore, Durability {
  readonly db: Database.Database;
  readonly counters: Counters;
  readonly schema: ItemsSchema;
  private readonly migrated: { from: number; to: number };
  private readonly checkpointer: Checkpointer | null;
  private readonly walFile: string;
  private wal: Promise<fsp.FileHandle> | null = null;
  private readonly stmt: ReturnType<typeof prepare>;

  private constructor(private readonly options: SqliteIndexStoreOptions) {
    // 0600 before SQLite opens it: the log and shared-memory files it creates take this mode.
    fs.closeSync(fs.openSync(options.file, 'a', 0o600));
    fs.chmodSync(options.file, 0o600);
    this.db = new Database(options.file);
    this.walFile = `${options.file}-wal`;
    try {
      this.db.pragma('journal_mode = WAL');
      // Commits only write the log; sync() makes them durable off the event loop.
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('wal_autocheckpoint = 0');
      this.db.pragma('journal_size_limit = 67108864');
      this.db.pragma(`cache_size = ${-1024 * (options.cacheMiB ?? 32)}`);
      this.db.pragma('temp_store = MEMORY');
      this.db.pragma('busy_timeout = 5000');
      // A value replaced or deleted is zeroed in the file, not left in free space: the inline
      // converter replaces plaintext inline files (from before encryption) by sealed ones, and
      // a purge must not leave a user's bytes behind either.
      this.db.pragma('secure_delete = ON');
      this.migrated = migrate(this.db);
    } catch (error) {
      this.db.close();
      throw error;
    }
    this.stmt = prepare(this.db);
    this.counters = new Counters(this.db);
    this.schema = new ItemsSchema(this.db, this.counters, options);
    // A store of the first release: its files had no tree; each entry becomes its own create op.
    if (this.migrated.from > 0 && this.migrated.from < TREE_SCHEMA) {
      const placed = this.schema.rebuildLegacyTree((fn) => this.transaction(fn));
      options.logger.info({ placed }, 'placed the files of the first release in the tree');
    }
    const interval = options.checkpointIntervalMs ?? 1_000;
    this.checkpointer = interval > 0 ? new Checkpointer(options.file, interval, options.logger, options.checkpointStarvedFrames) : null;
  }

  static open(options: SqliteIndexStoreOptions): SqliteIndexStore {
    return new SqliteIndexStore(options);
  }

  // ---- Durability ----

  transaction<T>(fn: () => T): T {
    try {
      return this.db.transaction(() => {
        const result = fn();
        this.schema.beforeCommit();
        this.counters.flush();
        return result;
      })();
    } catch (error) {
      this.schema.rolledBack();
      this.counters.reload();
      throw error;
    }
  }

  /**
   * When checkpoints have starved (commits all the time, so none ever reached the end of the
   * log), the next batch waits for one that runs alone; the log then starts over and is cut
   * back to journal_size_limit. It costs one batch a checkpoint's time, not the event loop.
   */
  beforeBatch(): Promise<void> | undefined {
    if (!this.checkpointer?.starved) return undefined;
    this.options.logger.debug('checkpoint starved: letting one run before the next commit');
    return this.checkpointer.run().then(() => undefined);
  }

  async sync(): Promise<void> {
    // The log exists from the first commit on and lives as long as the connection.
    this.wal ??= fsp.open(this.walFile, 'r');
    await (await this.wal).datasync();
  }

  // ---- FactStore ----

  getFact(key: string): Fact | undefined {
    const row = this.stmt.getFact.get(key) as FactRow | undefined;
    return row ? toFact(row) : undefined;
  }

  getHeader(key: string): FactHeader | undefined {
    const row = this.stmt.getHeader.get(key) as (Omit<FactRow, 'value'> & { tombstone: number }) | undefined;
    return row && { origin: row.origin, seq: row.seq, key: row.key, version: { wall: row.wall, counter: row.counter, node: row.node }, tombstone: row.tombstone === 1 };
  }

  putFact(fact: Fact, previous: FactHeader | undefined): void {
    // The derived tables need the old value of the keys they follow, read before it is replaced.
    const old = previous && this.schema.follows(fact.key) ? this.getFact(fact.key) : undefined;
    const { version } = fact;
    this.stmt.putFact.run(fact.key, fact.origin, fact.seq, version.wall, version.counter, version.node, fact.value === null ? null : JSON.stringify(fact.value));
    this.count(previous, -1);
    this.count(fact, 1);
    this.schema.updated(old, fact);
  }

  deleteFact(fact: Fact): void {
    if (this.stmt.deleteFact.run(fact.key, fact.origin, fact.seq).changes === 0) return;
    this.count({ ...fact, tombstone: fact.value === null }, -1);
    this.schema.updated(fact, undefined);
  }

  getGrave(key: string): Grave | undefined {
    const row = this.stmt.getGrave.get(key) as GraveRow | undefined;
    return row ? toGrave(row) : undefined;
  }

  putGrave(grave: Grave): void {
    const { version } = grave;
    this.stmt.putGrave.run(grave.key, version.wall, version.counter, version.node, JSON.stringify(grave.horizon));
  }

  deleteGrave(key: string): void {
    this.stmt.deleteGrave.run(key);
  }

  gravesAfter(afterKey: string, limit: number): Grave[] {
    return (this.stmt.gravesAfter.all(afterKey, limit) as GraveRow[]).map(toGrave);
  }

  factsOf(origin: NodeId, after: number, upTo: number, limit: number): Fact[] {
    const ceiling = Math.min(upTo, Number.MAX_SAFE_INTEGER);
    return (this.stmt.factsOf.all(origin, after, ceiling, limit) as FactRow[]).map(toFact);
  }

  origins(): NodeId[] {
    // Every origin of a stored fact has a watermark; the facts index has no cheap DISTINCT.
    return (this.stmt.origins.all() as Array<{ origin: string }>).map((row) => row.origin);
  }

  coveredTombstones(covered: Digest, limit: number): Fact[] {
    const out: Fact[] = [];
    for (const [origin, seq] of Object.entries(covered)) {
      if (out.length >= limit) break;
      out.push(...(this.stmt.tombstonesOf.all(origin, seq, limit - out.length) as FactRow[]).map(toFact));
    }
    return out;
  }

  entries(prefix: string, afterKey: string, limit: number): Array<[string, Value]> {
    const from = afterKey >= prefix ? afterKey : prefix;
    const inclusive = afterKey < prefix;
    const rows = (inclusive ? this.stmt.entriesFrom : this.stmt.entriesAfter).all(from, prefixEnd(prefix), limit) as Array<{ key: string; value: string }>;
    return rows.map((row) => [row.key, JSON.parse(row.value) as Value]);
  }

  get liveCount(): number {
    return this.counters.get('facts.live');
  }

  get tombstoneCount(): number {
    return this.counters.get('facts.tombstones');
  }

  loadState(): IndexState | undefined {
    const rows = this.stmt.watermarks.all() as Array<{ origin: string; mark: number; above: string }>;
    const ownSeq = this.counters.get('index.ownSeq');
    if (rows.length === 0 && ownSeq === 0) return undefined;
    const watermarks: IndexState['watermarks'] = {};
    for (const row of rows) watermarks[row.origin] = { mark: row.mark, above: JSON.parse(row.above) as number[] };
    return { ownSeq, changes: this.counters.get('index.changes'), watermarks };
  }

  saveState(state: IndexState): void {
    for (const [origin, { mark, above }] of Object.entries(state.watermarks)) this.stmt.putWatermark.run(origin, mark, JSON.stringify(above));
    this.counters.set('index.ownSeq', state.ownSeq);
    this.counters.set('index.changes', state.changes);
  }

  /** The stamp of the newest stored fact of `origin` numbered at or below `seq` (tree/stablePoint.ts). */
  stampAt(origin: NodeId, seq: number): Hlc | undefined {
    return this.stmt.stampAt.get(origin, seq) as Hlc | undefined;
  }

  /** Size of the database and its log on disk, for the status page and benchmarks. */
  bytesOnDisk(): number {
    return [this.options.file, this.walFile].reduce((sum, file) => sum + (fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0), 0);
  }

  async close(): Promise<void> {
    await this.checkpointer?.close();
    await (await this.wal)?.close();
    // Every frame in the database and the log cut to nothing: old frames (values since replaced,
    // such as inline files from before encryption) do not outlive a clean stop.
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // Busy or failing disk: the next start's checkpoints carry on.
    }
    this.db.close();
  }

  private count(fact: FactHeader | Fact | undefined, delta: number): void {
    if (!fact) return;
    const tombstone = 'tombstone' in fact ? fact.tombstone : fact.value === null;
    this.counters.add(tombstone ? 'facts.tombstones' : 'facts.live', delta);
  }
}

interface GraveRow {
  key: string;
  wall: number;
  counter: number;
  node: string;
  horizon: string;
}

function prepare(db: Database.Database) {
  return {
    getFact: db.prepare(`SELECT ${FACT_COLUMNS} FROM facts WHERE key = ?`),
    getHeader: db.prepare('SELECT key, origin, seq, wall, counter, node, value IS NULL AS tombstone FROM facts WHERE key = ?'),
    putFact: db.prepare(
      `INSERT INTO facts (${FACT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET origin = excluded.origin, seq = excluded.seq, wall = excluded.wall,
         counter = excluded.counter, node = excluded.node, value = excluded.value`,
    ),
    deleteFact: db.prepare('DELETE FROM facts WHERE key = ? AND origin = ? AND seq = ?'),
    stampAt: db.prepare('SELECT wall, counter, node FROM facts WHERE origin = ? AND seq <= ? ORDER BY seq DESC LIMIT 1'),
    factsOf: db.prepare(`SELECT ${FACT_COLUMNS} FROM facts WHERE origin = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?`),
    tombstonesOf: db.prepare(`SELECT ${FACT_COLUMNS} FROM facts WHERE value IS NULL AND origin = ? AND seq <= ? ORDER BY seq LIMIT ?`),
    entriesFrom: db.prepare('SELECT key, value FROM facts WHERE key >= ? AND key < ? AND value IS NOT NULL ORDER BY key LIMIT ?'),
    entriesAfter: db.prepare('SELECT key, value FROM facts WHERE key > ? AND key < ? AND value IS NOT NULL ORDER BY key LIMIT ?'),
    origins: db.prepare('SELECT origin FROM watermarks ORDER BY origin'),
    getGrave: db.prepare('SELECT key, wall, counter, node, horizon FROM graves WHERE key = ?'),
    putGrave: db.prepare(
      `INSERT INTO graves (key, wall, counter, node, horizon) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET wall = excluded.wall, counter = excluded.counter, node = excluded.node, horizon = excluded.horizon`,
    ),
    deleteGrave: db.prepare('DELETE FROM graves WHERE key = ?'),
    gravesAfter: db.prepare('SELECT key, wall, counter, node, horizon FROM graves WHERE key > ? ORDER BY key LIMIT ?'),
    watermarks: db.prepare('SELECT origin, mark, above FROM watermarks'),
    putWatermark: db.prepare('INSERT INTO watermarks (origin, mark, above) VALUES (?, ?, ?) ON CONFLICT (origin) DO UPDATE SET mark = excluded.mark, above = excluded.above'),
  };
}

function toGrave(row: GraveRow): Grave {
  return { key: row.key, version: { wall: row.wall, counter: row.counter, node: row.node }, horizon: JSON.parse(row.horizon) as Digest };
}
