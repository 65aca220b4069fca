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
  private readonly addUsage: Database.Statement<[string, number, number, number]>;
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
      `INSERT INTO usage (user_id, bytes, files, folders) VALUES (?, ?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET bytes = bytes + excluded.bytes, files = files + excluded.files, folders = folders + excluded.folders`,
    );
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

  private fileUpdated(userId: string, previousFact: Fact | undefined, nextFact: Fact | undefined): void {
    const before = liveEntry(previousFact);
    const after = liveEntry(nextFact);
    if (!before && !after) return;
    const fileId = (after ?? before)!.fileId;
    if (after) {
      // An entry of an earlier release is its own create op (treeOpFacts.ts), taken from the
      // first version of it this node stores.
      if (!previousFact && !after.placedByTree) this.queueOp(userId, createOpOfLegacyEntry(nextFact!, after));
      this.tree.setDetails(userId, fileId, entryDetails(after));
    }
    const bytes = (after?.size ?? 0) - (before?.size ?? 0);
    const files = (after ? 1 : 0) - (before ? 1 : 0);
    if (bytes !== 0 || files !== 0) this.addUsage.run(userId, bytes, files, 0);
    // Inline files have no replica of their own to count (their bytes are in the index).
    const replicated = (entry: FileEntry | undefined) => (entry && !entry.inline ? 1 : 0);
    const expected = replicated(after) - replicated(before);
    if (expected !== 0 && this.options.holdsReplica(fileId)) this.counters.add('replicas.expected', expected);
  }

  /** A new item row's size and times: a file's from its entry (when it has arrived), a folder's from the op that made it. */
  private detailsOf(userId: string, item: TreeItem): ItemDetails {
    if (item.kind === 'file') {
      const row = this.getValue.get(fileKey(userId, item.id)) as { value: string } | undefined;
      const entry = row ? fileEntrySchema.safeParse(JSON.parse(row.value)) : undefined;
      if (entry?.success) return entryDetails(entry.data);
    }
    const at = new Date(item.placedBy.hlc.wall).toISOString();
    return { size: 0, createdAt: at, modifiedAt: at };
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

function entryDetails(entry: FileEntry): ItemDetails {
  return { size: entry.size, createdAt: entry.createdAt, modifiedAt: entry.modifiedAt ?? entry.createdAt };
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
