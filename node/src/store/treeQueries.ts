import type Database from 'better-sqlite3';
import type { ListOrder, ListSort } from '../api/files';
import { decodePagePosition, encodeCursor } from './pageCursor';
import { sortName } from './sortName';
import { toItem, type ItemRow } from './treeTables';
import type { TreeItem } from '../tree/treeState';

/** An item as the tree's reads return it: its place, its row details and a file's stored entry. */
export interface ItemRecord extends TreeItem {
  size: number;
  createdAt: string;
  modifiedAt: string;
  /** A file's current entry (the JSON stored with its fact); undefined for folders. */
  entry?: unknown;
  /** Files: contents kept (current and older versions). */
  versionCount: number;
  /** A top-level item of the trash: when it went there (ms since the epoch). */
  trashedAt?: number;
}

/** One content of a file item, newest first in `versions`. */
export interface VersionRecord {
  fileId: string;
  at: string;
  size: number;
  /** The content's entry (absent if its fact has not arrived: only its row has). */
  entry?: unknown;
}

type RecordRow = ItemRow & {
  size: number;
  created_at: string;
  modified_at: string;
  version_count: number;
  trashed_at: number | null;
  value: string | null;
  sort_value?: string | number;
};

const CLASH_CHUNK = 256;
const SORT_COLUMNS: Record<ListSort, string> = { name: 'sort_name', modified: 'modified_at', size: 'size' };
const COLUMNS = `items.id, items.item_id, items.parent_id, items.kind, items.name, items.placed_wall, items.placed_counter, items.placed_node,
  items.placed_origin, items.placed_ref, items.previous_parent_id, items.size, items.created_at, items.modified_at, items.version_count,
  items.trashed_at, facts.value`;
// A file is shown once its current content's entry has arrived and while it is live; a folder always.
const JOIN_ENTRY = `LEFT JOIN facts ON facts.key = 'file/' || items.user_id || '/' || coalesce(items.file_id, items.item_id) AND facts.value IS NOT NULL`;
const VISIBLE = `(items.kind = 'folder' OR facts.value IS NOT NULL)`;

/**
 * Reads of the tree for the API: a folder's children a page at a time in any order (keyset
 * paging: O(log n + page) however deep the page), the siblings that share a name (conflict
 * names), and name search from the trigram index. Nothing here scans a user's items.
 */
export class TreeQueries {
  private readonly pages = new Map<string, Database.Statement<unknown[]>>();
  private readonly clashesByCount = new Map<number, Database.Statement<string[]>>();
  private readonly stmt;

  constructor(private readonly db: Database.Database) {
    this.stmt = {
      item: db.prepare(`SELECT ${COLUMNS} FROM items ${JOIN_ENTRY} WHERE items.user_id = ? AND items.item_id = ?`),
      withKey: db.prepare(`SELECT ${COLUMNS} FROM items ${JOIN_ENTRY} WHERE items.user_id = ? AND items.parent_id = ? AND items.name_key = ? AND ${VISIBLE}`),
      // No ORDER BY: sorting every match ("txt" matches all of a user's text files) would cost
      // the whole match set; the first matches in index order are taken and sorted by name after.
      search: db.prepare(
        `SELECT ${COLUMNS} FROM items_search JOIN items ON items.id = items_search.rowid ${JOIN_ENTRY}
         WHERE items_search MATCH ? AND items.user_id = ? AND items.parent_id IS NOT NULL AND ${VISIBLE} LIMIT ?`,
      ),
      // Trigrams need three characters; shorter queries look at the user's items by name.
      searchShort: db.prepare(
        `SELECT ${COLUMNS} FROM items ${JOIN_ENTRY}
         WHERE items.user_id = ? AND instr(items.sort_name, ?) > 0 AND items.parent_id IS NOT NULL AND ${VISIBLE} LIMIT ?`,
      ),
      trashPage: db.prepare(
        `SELECT ${COLUMNS} FROM items ${JOIN_ENTRY}
         WHERE items.user_id = ? AND items.trashed_at IS NOT NULL AND (items.trashed_at, items.item_id) < (?, ?) AND ${VISIBLE}
         ORDER BY items.trashed_at DESC, items.item_id DESC LIMIT ?`,
      ),
      trashBytes: db.prepare(
        'SELECT coalesce(sum(trashed_bytes), 0) AS bytes, coalesce(sum(trashed_version_bytes), 0) AS versionBytes FROM items WHERE user_id = ? AND trashed_at IS NOT NULL',
      ),
      expiredTrash: db.prepare(
        `SELECT user_id AS userId, item_id AS itemId, trashed_at AS trashedAt FROM items
         WHERE trashed_at IS NOT NULL AND trashed_at < ? AND (trashed_at, user_id, item_id) > (?, ?, ?) ORDER BY trashed_at, user_id, item_id LIMIT ?`,
      ),
      versions: db.prepare(
        `SELECT versions.file_id AS fileId, versions.at, versions.size, facts.value FROM versions
         LEFT JOIN facts ON facts.key = 'file/' || versions.user_id || '/' || versions.file_id AND facts.value IS NOT NULL
         WHERE versions.user_id = ? AND versions.item_id = ? ORDER BY versions.at DESC, versions.file_id DESC`,
      ),
      versioned: db.prepare(
        `SELECT user_id AS userId, item_id AS itemId FROM items WHERE version_count > 1 AND (user_id, item_id) > (?, ?) ORDER BY user_id, item_id LIMIT ?`,
      ),
    } as const;
  }

  /** The trash's top-level items, the latest deleted first, a page at a time. */
  trashPage(userId: string, opts: { limit: number; cursor?: string }): { items: ItemRecord[]; cursor?: string } {
    const after = opts.cursor === undefined ? [Number.MAX_SAFE_INTEGER, ''] : decodePagePosition(opts.cursor);
    const rows = this.stmt.trashPage.all(userId, after[0], after[1], opts.limit + 1) as RecordRow[];
    const more = rows.length > opts.limit;
    const page = more ? rows.slice(0, opts.limit) : rows;
    const last = page.at(-1);
    return { items: page.map(toRecord), ...(more && last ? { cursor: encodeCursor([last.trashed_at!, last.item_id]) } : {}) };
  }

  /** Bytes in the user's trash as they were when each top-level item went there: current contents, and older versions. */
  trashBytes(userId: string): { bytes: number; versionBytes: number } {
    return this.stmt.trashBytes.get(userId) as { bytes: number; versionBytes: number };
  }

  /** Top-level trash items of every user that went there before `before`, oldest first, after a position. */
  expiredTrash(before: number, after: { trashedAt: number; userId: string; itemId: string } | undefined, limit: number): Array<{ userId: string; itemId: string; trashedAt: number }> {
    const from = after ?? { trashedAt: -1, userId: '', itemId: '' };
    return this.stmt.expiredTrash.all(before, from.trashedAt, from.userId, from.itemId, limit) as Array<{ userId: string; itemId: string; trashedAt: number }>;
  }

  /** A file item's contents, newest (current) first. */
  versions(userId: string, itemId: string): VersionRecord[] {
    return (this.stmt.versions.all(userId, itemId) as Array<{ fileId: string; at: string; size: number; value: string | null }>).map((row) => ({
      fileId: row.fileId,
      at: row.at,
      size: row.size,
      ...(row.value !== null ? { entry: JSON.parse(row.value) as unknown } : {}),
    }));
  }

  /** File items of every user with older versions, in id order after a position: what thinning visits. */
  versionedItems(after: { userId: string; itemId: string } | undefined, limit: number): Array<{ userId: string; itemId: string }> {
    return this.stmt.versioned.all(after?.userId ?? '', after?.itemId ?? '', limit) as Array<{ userId: string; itemId: string }>;
  }

  item(userId: string, itemId: string): ItemRecord | undefined {
    const row = this.stmt.item.get(userId, itemId) as RecordRow | undefined;
    return row && toRecord(row);
  }

  /** The visible children of `parentId` whose name is `key` (nameKey): a clash group, usually of one. */
  withNameKey(userId: string, parentId: string, key: string): ItemRecord[] {
    return (this.stmt.withKey.all(userId, parentId, key) as RecordRow[]).map(toRecord);
  }

  /**
   * Of the given name keys, those more than one child of the folder has (withdrawn files
   * included: the caller looks closer). One statement for a whole page.
   */
  clashingKeys(userId: string, parentId: string, keys: readonly string[]): Set<string> {
    const out = new Set<string>();
    for (let i = 0; i < keys.length; i += CLASH_CHUNK) {
      const chunk = keys.slice(i, i + CLASH_CHUNK);
      let statement = this.clashesByCount.get(chunk.length);
      if (!statement) {
        statement = this.db.prepare(
          `SELECT name_key FROM items WHERE user_id = ? AND parent_id = ? AND name_key IN (${chunk.map(() => '?').join(', ')}) GROUP BY name_key HAVING count(*) > 1`,
        );
        this.clashesByCount.set(chunk.length, statement);
      }
      for (const row of statement.all(userId, parentId, ...chunk) as Array<{ name_key: string }>) out.add(row.name_key);
    }
    return out;
  }

  children(userId: string, parentId: string, opts: { sort: ListSort; order: ListOrder; limit: number; cursor?: string; kind?: 'file' | 'folder' }): { items: ItemRecord[]; cursor?: string } {
    const column = SORT_COLUMNS[opts.sort];
    const after = opts.cursor === undefined ? undefined : decodePagePosition(opts.cursor);
    const statement = this.page(column, opts.order, after !== undefined, opts.kind !== undefined);
    const params: unknown[] = [userId, parentId];
    if (opts.kind) params.push(opts.kind);
    if (after) params.push(after[0], after[1]);
    params.push(opts.limit + 1);
    const rows = statement.all(...params) as RecordRow[];
    const more = rows.length > opts.limit;
    const page = more ? rows.slice(0, opts.limit) : rows;
    const last = page.at(-1);
    return {
      items: page.map(toRecord),
      ...(more && last ? { cursor: encodeCursor([last.sort_value!, last.item_id]) } : {}),
    };
  }

  /**
   * Up to `limit` items whose name contains `query`, ignoring case and accents, sorted by name
   * (purged ones left out; the caller checks the rest of the way up). When more match, which
   * ones come is the index's order, not the alphabet's: a search narrows, it does not page.
   */
  search(userId: string, query: string, limit: number): ItemRecord[] {
    const folded = sortName(query).trim();
    if (folded.length === 0) return [];
    const rows =
      [...folded].length >= 3
        ? this.stmt.search.all(`"${folded.replaceAll('"', '""')}"`, userId, limit)
        : this.stmt.searchShort.all(userId, folded, limit);
    return (rows as RecordRow[])
      .map((row) => ({ row, key: sortName(row.name) }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map(({ row }) => toRecord(row));
  }

  private page(column: string, order: ListOrder, withCursor: boolean, withKind: boolean): Database.Statement<unknown[]> {
    const name = `${column}:${order}:${withCursor}:${withKind}`;
    let statement = this.pages.get(name);
    if (!statement) {
      const direction = order === 'asc' ? 'ASC' : 'DESC';
      const kind = withKind ? 'AND items.kind = ?' : '';
      const seek = withCursor ? `AND (items.${column}, items.item_id) ${order === 'asc' ? '>' : '<'} (?, ?)` : '';
      statement = this.db.prepare(
        `SELECT ${COLUMNS}, items.${column} AS sort_value FROM items ${JOIN_ENTRY}
         WHERE items.user_id = ? AND items.parent_id = ? ${kind} ${seek} AND ${VISIBLE}
         ORDER BY items.${column} ${direction}, items.item_id ${direction} LIMIT ?`,
      );
      this.pages.set(name, statement);
    }
    return statement;
  }
}

function toRecord(row: RecordRow): ItemRecord {
  return {
    ...toItem(row),
    size: row.size,
    createdAt: row.created_at,
    modifiedAt: row.modified_at,
    versionCount: row.version_count,
    ...(row.trashed_at !== null ? { trashedAt: row.trashed_at } : {}),
    ...(row.kind === 'file' && row.value !== null ? { entry: JSON.parse(row.value) as unknown } : {}),
  };
}
