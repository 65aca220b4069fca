import type Database from 'better-sqlite3';
import type { Fact, NodeId } from '../gossip/frames';
import { fileEntrySchema, replicaRecordSchema, rootFolderId, type FileEntry, type ReplicaRecord } from '../api/files';
import { parseKey } from '../files/fileKeys';
import type { Counters } from './counters';

export interface ItemsSchemaOptions {
  self: NodeId;
  /** Whether placement puts a replica of this file on this node. */
  holdsReplica: (fileId: string) => boolean;
}

/**
 * What a change of a fact implies beyond the fact itself (Garage's `TableSchema::updated`):
 * the items table with its listing and search indexes, per-user usage, and this node's
 * replica counters. Called inside the transaction that stores the fact, so the derived data
 * can never disagree with the facts.
 */
export class ItemsSchema {
  private readonly findItem: Database.Statement<[string, string]>;
  private readonly insertItem: Database.Statement<unknown[]>;
  private readonly updateItem: Database.Statement<unknown[]>;
  private readonly deleteItem: Database.Statement<[number]>;
  private readonly insertSearch: Database.Statement<[number, string]>;
  private readonly deleteSearch: Database.Statement<[number]>;
  private readonly addUsage: Database.Statement<[string, number, number, number]>;

  constructor(
    db: Database.Database,
    private readonly counters: Counters,
    private readonly options: ItemsSchemaOptions,
  ) {
    this.findItem = db.prepare('SELECT id, name FROM items WHERE user_id = ? AND item_id = ?');
    this.insertItem = db.prepare(
      'INSERT INTO items (user_id, item_id, parent_id, kind, name, sort_name, size, modified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.updateItem = db.prepare('UPDATE items SET parent_id = ?, name = ?, sort_name = ?, size = ?, modified_at = ? WHERE id = ?');
    this.deleteItem = db.prepare('DELETE FROM items WHERE id = ?');
    this.insertSearch = db.prepare('INSERT INTO items_search (rowid, name) VALUES (?, ?)');
    this.deleteSearch = db.prepare('DELETE FROM items_search WHERE rowid = ?');
    this.addUsage = db.prepare(
      `INSERT INTO usage (user_id, bytes, files, folders) VALUES (?, ?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET bytes = bytes + excluded.bytes, files = files + excluded.files, folders = folders + excluded.folders`,
    );
  }

  /** Whether `updated` needs the old value of this key (the others it ignores). */
  follows(key: string): boolean {
    const parsed = parseKey(key);
    return parsed.kind === 'file' || (parsed.kind === 'replica' && parsed.node === this.options.self);
  }

  updated(previous: Fact | undefined, next: Fact | undefined): void {
    const key = parseKey((next ?? previous)!.key);
    if (key.kind === 'file') this.fileUpdated(key.userId, liveEntry(previous), liveEntry(next));
    else if (key.kind === 'replica' && key.node === this.options.self) this.replicaUpdated(replicaRecord(previous), replicaRecord(next));
  }

  private fileUpdated(userId: string, before: FileEntry | undefined, after: FileEntry | undefined): void {
    if (!before && !after) return;
    const fileId = (after ?? before)!.fileId;
    const row = this.findItem.get(userId, fileId) as { id: number; name: string } | undefined;
    if (after) {
      const parentId = after.parentId ?? rootFolderId(userId);
      const modifiedAt = after.modifiedAt ?? after.createdAt;
      if (row) {
        this.updateItem.run(parentId, after.name, sortName(after.name), after.size, modifiedAt, row.id);
        if (row.name !== after.name) {
          this.deleteSearch.run(row.id);
          this.insertSearch.run(row.id, after.name);
        }
      } else {
        const { lastInsertRowid } = this.insertItem.run(userId, fileId, parentId, 'file', after.name, sortName(after.name), after.size, modifiedAt);
        this.insertSearch.run(Number(lastInsertRowid), after.name);
      }
    } else if (row) {
      this.deleteSearch.run(row.id);
      this.deleteItem.run(row.id);
    }
    const bytes = (after?.size ?? 0) - (before?.size ?? 0);
    const files = (after ? 1 : 0) - (before ? 1 : 0);
    if (bytes !== 0 || files !== 0) this.addUsage.run(userId, bytes, files, 0);
    // Inline files have no replica of their own to count (their bytes are in the index).
    const replicated = (entry: FileEntry | undefined) => (entry && !entry.inline ? 1 : 0);
    const expected = replicated(after) - replicated(before);
    if (expected !== 0 && this.options.holdsReplica(fileId)) this.counters.add('replicas.expected', expected);
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

/** The form names are sorted by: compatibility-decomposed, without accents, lower case. */
export function sortName(name: string): string {
  return name.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
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
