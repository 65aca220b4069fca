import type Database from 'better-sqlite3';
import type { Hlc } from '../gossip/frames';
import { compareHlc } from '../index/hlc';
import { trashFolderId, rootFolderId } from '../api/files';
import type { LogEntry, TreeStorage } from '../tree/moveLog';
import { nameKey } from '../tree/itemName';
import type { ItemId, TreeOp } from '../tree/treeOp';
import type { TreeItem } from '../tree/treeState';
import type { Counters } from './counters';
import { sortName } from './sortName';

/** An items row as the tree reads and writes it. */
export interface ItemRow {
  id: number;
  item_id: string;
  parent_id: string | null;
  kind: 'file' | 'folder';
  name: string;
  placed_wall: number;
  placed_counter: number;
  placed_node: string;
  placed_origin: string;
  placed_ref: string | null;
  previous_parent_id: string | null;
}

interface LogRow {
  op: string;
  prior: string | null;
  effective: number;
}

/** What an item row needs besides its place: a file's size and times come from its current content's entry. */
export interface ItemDetails {
  size: number;
  createdAt: string;
  modifiedAt: string;
  /** Files: the entry of the current content (absent: the item's own id). */
  fileId?: string;
  /** Files: how many contents (current and older versions) are kept; 0 once none is. */
  versionCount: number;
  /** Files: the bytes of the older versions. */
  versionBytes: number;
}

const ITEM_COLUMNS = 'id, item_id, parent_id, kind, name, placed_wall, placed_counter, placed_node, placed_origin, placed_ref, previous_parent_id';

/**
 * The replicated tree in the node's store (DESIGN §5): every user's items and op log as tables,
 * so that the move operation of tree/moveLog.ts runs inside the index transaction that stores
 * the ops, and memory does not grow with the number of items. The items table also carries the
 * listing, name and search indexes, and the per-user folder count.
 */
export class TreeTables {
  private readonly stmt;

  constructor(
    db: Database.Database,
    private readonly detailsOf: (userId: string, item: TreeItem) => ItemDetails,
    private readonly counters: Counters,
  ) {
    this.stmt = {
      getItem: db.prepare(`SELECT ${ITEM_COLUMNS} FROM items WHERE user_id = ? AND item_id = ?`),
      insertItem: db.prepare(
        `INSERT INTO items (user_id, item_id, parent_id, kind, name, name_key, sort_name, size, created_at, modified_at,
           placed_wall, placed_counter, placed_node, placed_origin, placed_ref, previous_parent_id, file_id, version_count, version_bytes)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      setTrashed: db.prepare('UPDATE items SET trashed_at = ?, trashed_bytes = ?, trashed_version_bytes = ? WHERE id = ?'),
      moveTrashedAt: db.prepare('UPDATE items SET trashed_at = ? WHERE id = ?'),
      // A subtree's bytes when it goes to the trash: the cost of what was deleted, once.
      subtreeBytes: db.prepare(
        `WITH RECURSIVE sub (item_id, kind, size, version_bytes) AS (
           SELECT item_id, kind, size, version_bytes FROM items WHERE user_id = @userId AND item_id = @itemId
           UNION ALL
           SELECT items.item_id, items.kind, items.size, items.version_bytes FROM items JOIN sub ON items.user_id = @userId AND items.parent_id = sub.item_id
           WHERE sub.kind = 'folder'
         )
         SELECT coalesce(sum(size), 0) AS bytes, coalesce(sum(version_bytes), 0) AS versionBytes FROM sub WHERE kind = 'file'`,
      ),
      updatePlace: db.prepare(
        `UPDATE items SET parent_id = ?, name = ?, name_key = ?, sort_name = ?, placed_wall = ?, placed_counter = ?, placed_node = ?,
           placed_origin = ?, placed_ref = ?, previous_parent_id = ?, modified_at = CASE WHEN kind = 'folder' THEN ? ELSE modified_at END WHERE id = ?`,
      ),
      deleteItem: db.prepare('DELETE FROM items WHERE id = ?'),
      insertSearch: db.prepare('INSERT INTO items_search (rowid, name) VALUES (?, ?)'),
      deleteSearch: db.prepare('DELETE FROM items_search WHERE rowid = ?'),
      addFolders: db.prepare(
        `INSERT INTO usage (user_id, bytes, files, folders) VALUES (?, 0, 0, ?)
         ON CONFLICT (user_id) DO UPDATE SET folders = folders + excluded.folders`,
      ),
      hasOp: db.prepare('SELECT 1 FROM tree_log WHERE user_id = ? AND wall = ? AND counter = ? AND node = ?'),
      logFrom: db.prepare(
        `SELECT op, prior, effective FROM tree_log WHERE user_id = ? AND (wall, counter, node) >= (?, ?, ?) ORDER BY wall, counter, node`,
      ),
      deleteLogFrom: db.prepare('DELETE FROM tree_log WHERE user_id = ? AND (wall, counter, node) >= (?, ?, ?)'),
      appendLog: db.prepare('INSERT INTO tree_log (user_id, wall, counter, node, op, prior, effective) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      stable: db.prepare('SELECT wall, counter, node FROM tree_stable WHERE id = 1'),
      setStable: db.prepare(
        'INSERT INTO tree_stable (id, wall, counter, node) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET wall = excluded.wall, counter = excluded.counter, node = excluded.node',
      ),
      compactable: db.prepare(
        'SELECT user_id, wall, counter, node, op, prior, effective FROM tree_log WHERE (wall, counter, node) <= (?, ?, ?) ORDER BY wall, counter, node LIMIT ?',
      ),
      deleteLogEntry: db.prepare('DELETE FROM tree_log WHERE user_id = ? AND wall = ? AND counter = ? AND node = ?'),
      setDetails: db.prepare(
        'UPDATE items SET size = ?, created_at = ?, modified_at = ?, file_id = ?, version_count = ?, version_bytes = ? WHERE user_id = ? AND item_id = ?',
      ),
    } as const;
  }

  /** One user's tree as moveLog's storage (valid for the current transaction). */
  forUser(userId: string): TreeStorage {
    return new UserTree(this, userId, rootFolderId(userId), trashFolderId(userId), this.stable());
  }

  stable(): Hlc | null {
    return (this.stmt.stable.get() as Hlc | undefined) ?? null;
  }

  /**
   * Moves the compaction point forward to `stable` (the caller promises every member has seen
   * every op up to it): ops at or before it are ignored from now on. False when it is not ahead.
   */
  advanceStable(stable: Hlc): boolean {
    const current = this.stable();
    if (current && compareHlc(stable, current) <= 0) return false;
    this.stmt.setStable.run(stable.wall, stable.counter, stable.node);
    return true;
  }

  /**
   * Drops up to `limit` log entries at or before the compaction point, oldest first, and returns
   * them: undo never needs to go back that far, so only their effects remain, in the items.
   */
  compactChunk(limit: number): CompactedEntry[] {
    const stable = this.stable();
    if (!stable) return [];
    const rows = this.stmt.compactable.all(stable.wall, stable.counter, stable.node, limit) as Array<LogRow & { user_id: string; wall: number; counter: number; node: string }>;
    for (const row of rows) this.stmt.deleteLogEntry.run(row.user_id, row.wall, row.counter, row.node);
    this.counters.add('tree.logEntries', -rows.length);
    return rows.map((row) => ({ userId: row.user_id, ...toLogEntry(row) }));
  }

  /** Entries in the op log, all users: a counter, kept in the transactions that change the log. */
  logEntries(): number {
    return this.counters.get('tree.logEntries');
  }

  /** A file's contents changed: its row follows the current one's size and times (the place is the tree's). */
  setDetails(userId: string, itemId: ItemId, details: ItemDetails): void {
    this.stmt.setDetails.run(details.size, details.createdAt, details.modifiedAt, details.fileId ?? null, details.versionCount, details.versionBytes, userId, itemId);
  }

  /** @internal for UserTree */
  row(userId: string, id: ItemId): ItemRow | undefined {
    return this.stmt.getItem.get(userId, id) as ItemRow | undefined;
  }

  /** @internal for UserTree */
  put(userId: string, item: TreeItem, trashId: ItemId): void {
    const old = this.row(userId, item.id);
    const rowId = this.place(userId, item, old);
    this.followTrash(userId, item, rowId, old?.parent_id === trashId, item.parentId === trashId);
  }

  /**
   * A top-level item of the trash carries when it went there and its subtree's bytes then (the
   * quota's split, and the purge of old ones, read these without walking the trash).
   */
  private followTrash(userId: string, item: TreeItem, rowId: number, was: boolean, now: boolean): void {
    if (now && !was) {
      const sums = this.stmt.subtreeBytes.get({ userId, itemId: item.id }) as { bytes: number; versionBytes: number };
      this.stmt.setTrashed.run(item.placedBy.hlc.wall, sums.bytes, sums.versionBytes, rowId);
    } else if (now) {
      this.stmt.moveTrashedAt.run(item.placedBy.hlc.wall, rowId);
    } else if (was) {
      this.stmt.setTrashed.run(null, 0, 0, rowId);
    }
  }

  private place(userId: string, item: TreeItem, old: ItemRow | undefined): number {
    const { hlc, origin } = item.placedBy;
    const key = nameKey(item.name);
    if (old) {
      this.stmt.updatePlace.run(
        item.parentId, item.name, key, sortName(item.name), hlc.wall, hlc.counter, hlc.node, origin, item.placedBy.ref ?? null, item.previousParentId,
        new Date(hlc.wall).toISOString(), old.id,
      );
      if (old.name !== item.name) {
        this.stmt.deleteSearch.run(old.id);
        this.stmt.insertSearch.run(old.id, item.name);
      }
      if (item.kind === 'folder') this.countFolder(userId, old.parent_id, item.parentId);
      return old.id;
    }
    const details = this.detailsOf(userId, item);
    const { lastInsertRowid } = this.stmt.insertItem.run(
      userId, item.id, item.parentId, item.kind, item.name, key, sortName(item.name), details.size, details.createdAt, details.modifiedAt,
      hlc.wall, hlc.counter, hlc.node, origin, item.placedBy.ref ?? null, item.previousParentId,
      details.fileId ?? null, details.versionCount, details.versionBytes,
    );
    this.stmt.insertSearch.run(Number(lastInsertRowid), item.name);
    if (item.kind === 'folder') this.countFolder(userId, null, item.parentId);
    return Number(lastInsertRowid);
  }

  /** @internal for UserTree */
  remove(userId: string, id: ItemId): void {
    const old = this.row(userId, id);
    if (!old) return;
    this.stmt.deleteSearch.run(old.id);
    this.stmt.deleteItem.run(old.id);
    if (old.kind === 'folder') this.countFolder(userId, old.parent_id, null);
  }

  /** @internal for UserTree */
  hasOp(userId: string, hlc: Hlc): boolean {
    return this.stmt.hasOp.get(userId, hlc.wall, hlc.counter, hlc.node) !== undefined;
  }

  /** @internal for UserTree */
  takeFrom(userId: string, hlc: Hlc): LogEntry[] {
    const rows = this.stmt.logFrom.all(userId, hlc.wall, hlc.counter, hlc.node) as LogRow[];
    if (rows.length === 0) return [];
    this.stmt.deleteLogFrom.run(userId, hlc.wall, hlc.counter, hlc.node);
    this.counters.add('tree.logEntries', -rows.length);
    return rows.map(toLogEntry);
  }

  /** @internal for UserTree */
  append(userId: string, entry: LogEntry): void {
    const { hlc } = entry.op;
    this.stmt.appendLog.run(userId, hlc.wall, hlc.counter, hlc.node, JSON.stringify(entry.op), entry.prior ? JSON.stringify(entry.prior) : null, entry.effective ? 1 : 0);
    this.counters.add('tree.logEntries', 1);
  }

  /** Folders count while they have a parent (root tree or trash); a purged one does not. */
  private countFolder(userId: string, before: string | null, after: string | null): void {
    const delta = (after !== null ? 1 : 0) - (before !== null ? 1 : 0);
    if (delta !== 0) this.stmt.addFolders.run(userId, delta);
  }
}

/** One user's view of the tables, as moveLog's storage. */
class UserTree implements TreeStorage {
  constructor(
    private readonly tables: TreeTables,
    private readonly userId: string,
    readonly rootId: ItemId,
    readonly trashId: ItemId,
    readonly stable: Hlc | null,
  ) {}

  get(id: ItemId): TreeItem | undefined {
    const row = this.tables.row(this.userId, id);
    return row && toItem(row);
  }

  put(item: TreeItem): void {
    this.tables.put(this.userId, item, this.trashId);
  }

  remove(id: ItemId): void {
    this.tables.remove(this.userId, id);
  }

  hasOp(hlc: Hlc): boolean {
    return this.tables.hasOp(this.userId, hlc);
  }

  takeFrom(hlc: Hlc): LogEntry[] {
    return this.tables.takeFrom(this.userId, hlc);
  }

  append(entry: LogEntry): void {
    this.tables.append(this.userId, entry);
  }
}

export type CompactedEntry = LogEntry & { userId: string };

function toLogEntry(row: LogRow): LogEntry {
  return {
    op: JSON.parse(row.op) as TreeOp,
    prior: row.prior === null ? undefined : (JSON.parse(row.prior) as TreeItem),
    effective: row.effective === 1,
  };
}

export function toItem(row: ItemRow): TreeItem {
  return {
    id: row.item_id,
    parentId: row.parent_id,
    name: row.name,
    kind: row.kind,
    placedBy: {
      hlc: { wall: row.placed_wall, counter: row.placed_counter, node: row.placed_node },
      origin: row.placed_origin,
      ...(row.placed_ref !== null ? { ref: row.placed_ref } : {}),
    },
    previousParentId: row.previous_parent_id,
  };
}
