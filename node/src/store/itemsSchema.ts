import type Database from 'better-sqlite3';
import type { Fact, NodeId } from '../gossip/frames';
import { fileEntrySchema, replicaRecordSchema, type FileEntry, type ReplicaRecord } from '../api/files';
import { FILE_PREFIX, fileKey, parseKey } from '../files/fileKeys';
import { applyOps } from '../tree/moveLog';
import type { TreeOp } from '../tree/treeOp';
import { createOpOfLegacyEntry, opOfFact } from '../tree/treeOpFacts';
import type { TreeItem } from '../tree/treeState';
import type { Counters } from './counters';
import { FACT_COLUMNS, toFact, type FactRow } from './factRows';
import { prefixEnd } from './keyRange';
import { TreeTables, type ItemDetails } from './treeTables';

export interface ItemsSchemaOptions {
  self: NodeId;
  /** Whether placement puts a replica of this file on this node. */
  holdsReplica: (fileId: string) => boolean;
  /** Told of each change to `replicas.expected`, in its transaction (layout/expectedRecount.ts). */
  onExpectedChange?: (userId: string, fileId: string, delta: number) => void;
}

/**
 * What a change of a fact implies beyond the fact itself (Garage's `TableSchema::updated`):
 * the tree (items placed by move ops, with listing and search indexes), per-user usage, and
 * this node's replica counters. Called inside the transaction that stores the fact, so the
 * derived data can never disagree with the facts. Tree ops are gathered during the
 * transaction and applied at its end (`beforeCommit`), so that a batch of late ops from a
 * healed partition costs one undo-do-redo pass per user, not one per op.
 */
export class ItemsSchema {
  readonly tree: TreeTables;
  private readonly getValue: Database.Statement<[string]>;
  private readonly legacyEntries: Database.Statement<[string, number]>;
  private readonly addUsage: Database.Statement<[string, number, number, number, number]>;
  private readonly versionStmt;
  private pendingOps = new Map<string, TreeOp[]>();

  constructor(
    db: Database.Database,
    private readonly counters: Counters,
    private readonly options: ItemsSchemaOptions,
  ) {
    this.getValue = db.prepare('SELECT value FROM facts WHERE key = ? AND value IS NOT NULL');
    this.legacyEntries = db.prepare(
      `SELECT ${FACT_COLUMNS} FROM facts WHERE key > ? AND key >= '${FILE_PREFIX}' AND key < '${prefixEnd(FILE_PREFIX)}' AND value IS NOT NULL ORDER BY key LIMIT ?`,
    );
    this.addUsage = db.prepare(
      `INSERT INTO usage (user_id, bytes, files, folders, version_bytes) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET bytes = bytes + excluded.bytes, files = files + excluded.files, folders = folders + excluded.folders,
         version_bytes = version_bytes + excluded.version_bytes`,
    );
    this.versionStmt = {
      put: db.prepare('INSERT INTO versions (user_id, item_id, file_id, at, size) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET at = excluded.at, size = excluded.size'),
      remove: db.prepare('DELETE FROM versions WHERE user_id = ? AND item_id = ? AND file_id = ?'),
      current: db.prepare('SELECT file_id AS fileId, size FROM versions WHERE user_id = ? AND item_id = ? ORDER BY at DESC, file_id DESC LIMIT 1'),
      totals: db.prepare('SELECT count, bytes FROM item_contents WHERE user_id = ? AND item_id = ?'),
      addTotals: db.prepare(
        `INSERT INTO item_contents (user_id, item_id, count, bytes) VALUES (?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET count = count + excluded.count, bytes = bytes + excluded.bytes`,
      ),
      dropTotals: db.prepare('DELETE FROM item_contents WHERE user_id = ? AND item_id = ? AND count <= 0'),
    } as const;
    this.tree = new TreeTables(db, (userId, item) => this.detailsOf(userId, item), counters);
  }

  /** Whether `updated` needs the old value of this key (the others it ignores). */
  follows(key: string): boolean {
    const parsed = parseKey(key);
    return parsed.kind === 'file' || parsed.kind === 'tree' || (parsed.kind === 'replica' && parsed.node === this.options.self);
  }

  updated(previous: Fact | undefined, next: Fact | undefined): void {
    const key = parseKey((next ?? previous)!.key);
    if (key.kind === 'file') this.fileUpdated(key.userId, previous, next);
    else if (key.kind === 'tree') this.treeOpStored(key.userId, previous, next);
    else if (key.kind === 'replica' && key.node === this.options.self) this.replicaUpdated(replicaRecord(previous), replicaRecord(next));
  }

  /**
   * Once, on a store of the first release: every live file entry becomes its own create op, as
   * it would when stored now (treeOpFacts.ts), a page of entries per transaction.
   */
  rebuildLegacyTree(transaction: (fn: () => number) => number): number {
    let after = '';
    let placed = 0;
    for (;;) {
      const rows = this.legacyEntries.all(after, LEGACY_PAGE) as Array<FactRow>;
      if (rows.length === 0) return placed;
      placed += transaction(() => {
        let queued = 0;
        for (const row of rows) {
          const fact = toFact(row);
          const entry = liveEntry(fact);
          const key = parseKey(row.key);
          if (!entry || entry.placedByTree || key.kind !== 'file') continue;
          this.queueOp(key.userId, createOpOfLegacyEntry(fact, entry));
          queued++;
        }
        return queued;
      });
      after = rows.at(-1)!.key;
    }
  }

  /** Applies the tree ops stored by this transaction; call inside it, before it commits. */
  beforeCommit(): void {
    if (this.pendingOps.size === 0) return;
    const pending = this.pendingOps;
    this.pendingOps = new Map();
    for (const [userId, ops] of pending) applyOps(this.tree.forUser(userId), ops);
  }

  /** A failed transaction: the ops it gathered were rolled back with it. */
  rolledBack(): void {
    this.pendingOps = new Map();
  }

  private queueOp(userId: string, op: TreeOp): void {
    const ops = this.pendingOps.get(userId);
    if (ops) ops.push(op);
    else this.pendingOps.set(userId, [op]);
  }

  /**
   * An op is written once; a later fact on its key can only be the tombstone that compaction
   * writes once every member has it, which changes nothing in the tree.
   */
  private treeOpStored(userId: string, previous: Fact | undefined, next: Fact | undefined): void {
    if (previous || !next || next.value === null) return;
    const op = opOfFact(next);
    if (op) this.queueOp(userId, op);
  }

  /**
   * A file entry is one content of a file item: the item's first (same id) or a later version
   * (`itemId`). The versions table follows the entries, and the item's row its newest one.
   * Usage counts every kept content's bytes, and each item once as a file.
   */
  private fileUpdated(userId: string, previousFact: Fact | undefined, nextFact: Fact | undefined): void {
    const before = liveEntry(previousFact);
    const after = liveEntry(nextFact);
    if (!before && !after) return;
    const fileId = (after ?? before)!.fileId;
    const itemId = (after ?? before)!.itemId ?? fileId;
    // An entry of an earlier release is its own create op (treeOpFacts.ts), taken from the
    // first version of it this node stores.
    if (after && !previousFact && !after.placedByTree) this.queueOp(userId, createOpOfLegacyEntry(nextFact!, after));
    const was = this.contents(userId, itemId);
    if (after) this.versionStmt.put.run(userId, itemId, fileId, after.modifiedAt ?? after.createdAt, after.size);
    else this.versionStmt.remove.run(userId, itemId, fileId);
    this.versionStmt.addTotals.run(userId, itemId, (after ? 1 : 0) - (before ? 1 : 0), (after?.size ?? 0) - (before?.size ?? 0));
    this.versionStmt.dropTotals.run(userId, itemId);
    const now = this.contents(userId, itemId);
    this.tree.setDetails(userId, itemId, this.currentDetails(userId, now));
    const bytes = (after?.size ?? 0) - (before?.size ?? 0);
    const files = (now.count > 0 ? 1 : 0) - (was.count > 0 ? 1 : 0);
    const versionBytes = now.olderBytes - was.olderBytes;
    if (bytes !== 0 || files !== 0 || versionBytes !== 0) this.addUsage.run(userId, bytes, files, 0, versionBytes);
    // Inline files have no replica of their own to count (their bytes are in the index).
    const replicated = (entry: FileEntry | undefined) => (entry && !entry.inline ? 1 : 0);
    const expected = replicated(after) - replicated(before);
    if (expected !== 0 && this.options.holdsReplica(fileId)) {
      this.counters.add('replicas.expected', expected);
      this.options.onExpectedChange?.(userId, fileId, expected);
    }
  }

  /** A new item row's size and times: a file's from its current content (when it has arrived), a folder's from the op that made it. */
  private detailsOf(userId: string, item: TreeItem): ItemDetails {
    if (item.kind === 'file') {
      const contents = this.contents(userId, item.id);
      if (contents.current) return this.currentDetails(userId, contents);
    }
    const at = new Date(item.placedBy.hlc.wall).toISOString();
    return { size: 0, createdAt: at, modifiedAt: at, versionCount: 0, versionBytes: 0 };
  }

  /** An item's kept contents: the newest, how many, and the bytes of the others. */
  private contents(userId: string, itemId: string): ItemContents {
    const totals = (this.versionStmt.totals.get(userId, itemId) as { count: number; bytes: number } | undefined) ?? { count: 0, bytes: 0 };
    const current = totals.count > 0 ? (this.versionStmt.current.get(userId, itemId) as { fileId: string; size: number }) : undefined;
    return { itemId, count: totals.count, olderBytes: totals.bytes - (current?.size ?? 0), ...(current ? { current } : {}) };
  }

  /** The item row's details from its current content's entry; with none left, a withdrawn file of no size. */
  private currentDetails(userId: string, contents: ItemContents): ItemDetails {
    const row = contents.current && (this.getValue.get(fileKey(userId, contents.current.fileId)) as { value: string } | undefined);
    const parsed = row ? fileEntrySchema.safeParse(JSON.parse(row.value)) : undefined;
    if (!parsed?.success) {
      const at = new Date(0).toISOString();
      return { size: 0, createdAt: at, modifiedAt: at, versionCount: 0, versionBytes: 0 };
    }
    const entry = parsed.data;
    return {
      size: entry.size,
      createdAt: entry.createdAt,
      modifiedAt: entry.modifiedAt ?? entry.createdAt,
      ...(entry.fileId !== contents.itemId ? { fileId: entry.fileId } : {}),
      versionCount: contents.count,
      versionBytes: contents.olderBytes,
    };
  }

  private replicaUpdated(before: ReplicaRecord | undefined, after: ReplicaRecord | undefined): void {
    if (before) {
      this.counters.add(`replicas.${before.state}`, -1);
      if (before.state === 'stored') this.counters.add('replicas.storedBytes', -(before.size ?? 0));
    }
    if (after) {
      this.counters.add(`replicas.${after.state}`, 1);
      if (after.state === 'stored') this.counters.add('replicas.storedBytes', after.size ?? 0);
    }
  }
}

/** Entries placed per transaction when a first-release store is upgraded. */
const LEGACY_PAGE = 1000;

interface ItemContents {
  itemId: string;
  count: number;
  olderBytes: number;
  current?: { fileId: string; size: number };
}

function liveEntry(fact: Fact | undefined): FileEntry | undefined {
  if (!fact || fact.value === null) return undefined;
  const parsed = fileEntrySchema.safeParse(fact.value);
  return parsed.success && !parsed.data.deleted ? parsed.data : undefined;
}

function replicaRecord(fact: Fact | undefined): ReplicaRecord | undefined {
  if (!fact || fact.value === null) return undefined;
  const parsed = replicaRecordSchema.safeParse(fact.value);
  return parsed.success ? parsed.data : undefined;
}
