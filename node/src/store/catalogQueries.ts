import type Database from 'better-sqlite3';
import type { ListSort, ListOrder } from '../api/files';
import { decodePagePosition, encodeCursor } from './pageCursor';
import { sortName } from './sortName';

export interface UserUsage {
  /** Every kept content: current files, older versions, the trash. */
  bytes: number;
  files: number;
  folders: number;
  /** The bytes of older versions (in the trash too). */
  versionBytes: number;
}

export interface ChildrenPage {
  /** The page's items with their stored value (the file entry's JSON, parsed). */
  items: Array<{ itemId: string; value: unknown }>;
  /** Where the next page starts; absent on the last page. */
  cursor?: string;
}

const SORT_COLUMNS: Record<ListSort, string> = { name: 'sort_name', modified: 'modified_at', size: 'size' };

/**
 * Reads of the items a node's store derives from file facts: usage in O(1), a folder's
 * children a page at a time in any sort order (keyset paging: O(log n + page) however deep
 * the page), and name search from the trigram index.
 */
export class CatalogQueries {
  private readonly usageOf: Database.Statement<[string]>;
  private readonly pages = new Map<string, Database.Statement<unknown[]>>();
  private readonly searchAll: Database.Statement<[string, string, number]>;
  private readonly searchShort: Database.Statement<[string, string, number]>;
  private readonly valuesByCount = new Map<number, Database.Statement<string[]>>();

  constructor(private readonly db: Database.Database) {
    this.usageOf = db.prepare('SELECT bytes, files, folders, version_bytes AS versionBytes FROM usage WHERE user_id = ?');
    this.searchAll = db.prepare(
      `SELECT items.item_id AS itemId FROM items_search JOIN items ON items.id = items_search.rowid
       WHERE items_search MATCH ? AND items.user_id = ? ORDER BY items.sort_name LIMIT ?`,
    );
    // Trigrams need three characters; shorter queries look at the user's items by name.
    this.searchShort = db.prepare(
      `SELECT item_id AS itemId FROM items WHERE user_id = ? AND instr(sort_name, ?) > 0 ORDER BY sort_name LIMIT ?`,
    );
  }

  usage(userId: string): UserUsage {
    return (this.usageOf.get(userId) as UserUsage | undefined) ?? { bytes: 0, files: 0, folders: 0, versionBytes: 0 };
  }

  children(userId: string, parentId: string, opts: { sort: ListSort; order: ListOrder; limit: number; cursor?: string }): ChildrenPage {
    const column = SORT_COLUMNS[opts.sort];
    const after = opts.cursor === undefined ? undefined : decodePagePosition(opts.cursor);
    const statement = this.page(column, opts.order, after !== undefined);
    const params: unknown[] = [userId, parentId];
    if (after) params.push(after[0], after[1]);
    params.push(opts.limit + 1);
    const rows = statement.all(`file/${userId}/`, ...params) as Array<{ itemId: string; sortValue: string | number; value: string }>;
    const more = rows.length > opts.limit;
    const page = more ? rows.slice(0, opts.limit) : rows;
    const last = page.at(-1);
    return {
      items: page.map((row) => ({ itemId: row.itemId, value: JSON.parse(row.value) as unknown })),
      ...(more && last ? { cursor: encodeCursor([last.sortValue, last.itemId]) } : {}),
    };
  }

  /** The stored JSON of several keys in one statement (a file's replica records, say); absent and tombstoned keys are left out. */
  values(keys: readonly string[]): Map<string, unknown> {
    let statement = this.valuesByCount.get(keys.length);
    if (!statement) {
      statement = this.db.prepare(`SELECT key, value FROM facts WHERE key IN (${keys.map(() => '?').join(', ')}) AND value IS NOT NULL`);
      this.valuesByCount.set(keys.length, statement);
    }
    const rows = statement.all(...keys) as Array<{ key: string; value: string }>;
    return new Map(rows.map((row) => [row.key, JSON.parse(row.value) as unknown]));
  }

  /** Items whose name contains `query`, ignoring case and accents. */
  search(userId: string, query: string, limit: number): string[] {
    const folded = sortName(query).trim();
    if (folded.length === 0) return [];
    const rows =
      [...folded].length >= 3
        ? this.searchAll.all(`"${folded.replaceAll('"', '""')}"`, userId, limit)
        : this.searchShort.all(userId, folded, limit);
    return (rows as Array<{ itemId: string }>).map((row) => row.itemId);
  }

  private page(column: string, order: ListOrder, withCursor: boolean): Database.Statement<unknown[]> {
    const name = `${column}:${order}:${withCursor}`;
    let statement = this.pages.get(name);
    if (!statement) {
      const direction = order === 'asc' ? 'ASC' : 'DESC';
      const seek = withCursor ? `AND (items.${column}, items.item_id) ${order === 'asc' ? '>' : '<'} (?, ?)` : '';
      // The entry comes in the same statement: one call per page, not one per item.
      statement = this.db.prepare(
        `SELECT items.item_id AS itemId, items.${column} AS sortValue, facts.value AS value
         FROM items JOIN facts ON facts.key = ? || coalesce(items.file_id, items.item_id) AND facts.value IS NOT NULL
         WHERE items.user_id = ? AND items.parent_id = ? ${seek}
         ORDER BY items.${column} ${direction}, items.item_id ${direction} LIMIT ?`,
      );
      this.pages.set(name, statement);
    }
    return statement;
  }
}
