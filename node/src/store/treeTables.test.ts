import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { rootFolderId, trashFolderId } from '../api/files';
import { seededRandom, type Random } from '../time/random';
import { applyOps } from '../tree/moveLog';
import { op, referenceTree, type ItemSnapshot } from '../tree/testSupport';
import type { TreeOp } from '../tree/treeOp';
import { Counters } from './counters';
import { migrate } from './migrations';
import { TreeTables } from './treeTables';

const USER = '6a1f0c1e-8d7b-4d35-9c35-1c0a8f5f6c11';
const ROOT = rootFolderId(USER);
const TRASH = trashFolderId(USER);
const REGIONS = ['us-east', 'eu-west', 'asia'];

let db: Database.Database | undefined;
afterEach(() => db?.close());

function openTables(): TreeTables {
  db = new Database(':memory:');
  migrate(db);
  return new TreeTables(
    db,
    (_userId, item) => {
      const at = new Date(item.placedBy.hlc.wall).toISOString();
      return { size: 0, createdAt: at, modifiedAt: at, versionCount: 0, versionBytes: 0 };
    },
    new Counters(db),
  );
}

/** The user's items as the tables hold them, in the reference model's form. */
function stored(): ItemSnapshot[] {
  const rows = db!
    .prepare('SELECT item_id, parent_id, name, kind, placed_wall, placed_counter, placed_node, placed_origin FROM items WHERE user_id = ? ORDER BY item_id')
    .all(USER) as Array<{ item_id: string; parent_id: string | null; name: string; kind: 'file' | 'folder'; placed_wall: number; placed_counter: number; placed_node: string; placed_origin: string }>;
  return rows
    .map((row) => ({
      id: row.item_id,
      parentId: row.parent_id,
      name: row.name,
      kind: row.kind,
      placedBy: `${row.placed_wall}.${row.placed_counter}.${row.placed_node}@${row.placed_origin}`,
    }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Random creates, moves (into folders, files, the trash, nowhere), renames, with clashing stamps. */
function randomOps(random: Random, count: number): TreeOp[] {
  const ids = Array.from({ length: 12 }, (_, i) => `item-${i}`);
  const kinds = new Map(ids.map((id, i) => [id, i % 4 === 3 ? ('file' as const) : ('folder' as const)]));
  const parents = [ROOT, ROOT, TRASH, null, ...ids];
  const ops: TreeOp[] = [];
  for (let i = 0; i < count; i++) {
    const itemId = ids[Math.floor(random() * ids.length)]!;
    const parent = parents[Math.floor(random() * parents.length)]!;
    const region = REGIONS[Math.floor(random() * REGIONS.length)]!;
    const o = op(1 + Math.floor(random() * count), region, itemId, parent, `n${Math.floor(random() * 3)}`, kinds.get(itemId)!);
    // A stamp is an op's identity: clashing walls and nodes, but never two ops with one stamp.
    ops.push({ ...o, hlc: { ...o.hlc, counter: i } });
  }
  return ops;
}

function shuffled<T>(items: readonly T[], random: Random): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('the tree in the store', () => {
  it('ends in the tree the paper defines, whatever order and batches the ops arrive in', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const random = seededRandom(seed);
      const ops = randomOps(random, 60);
      const tables = openTables();
      const arriving = shuffled([...ops, ...ops.slice(0, 10)], random);
      while (arriving.length > 0) {
        const batch = arriving.splice(0, 1 + Math.floor(random() * 8));
        db!.transaction(() => applyOps(tables.forUser(USER), batch))();
      }
      expect(stored(), `seed ${seed}`).toEqual(referenceTree(ops, ROOT, TRASH).tree);
      db!.close();
      db = undefined;
    }
  });

  it('compacts the log up to the stable point and still places newer late ops right', () => {
    const random = seededRandom(7);
    const ops = randomOps(random, 200);
    const old = ops.filter((o) => o.hlc.wall <= 100);
    const recent = ops.filter((o) => o.hlc.wall > 100);
    const tables = openTables();
    db!.transaction(() => applyOps(tables.forUser(USER), old))();
    const logBefore = (db!.prepare('SELECT count(*) AS n FROM tree_log').get() as { n: number }).n;
    expect(tables.advanceStable({ wall: 100, counter: Number.MAX_SAFE_INTEGER, node: '~' })).toBe(true);
    expect(tables.advanceStable({ wall: 90, counter: 0, node: 'a' })).toBe(false);
    const dropped = [...db!.transaction(() => tables.compactChunk(50))(), ...db!.transaction(() => tables.compactChunk(1000))()];
    expect(dropped.length).toBe(logBefore);
    expect((db!.prepare('SELECT count(*) AS n FROM tree_log').get() as { n: number }).n).toBe(0);
    expect(tables.logEntries()).toBe(0);
    // Newer ops, late and out of order among themselves; a copy of a compacted op is ignored.
    for (const o of shuffled([...recent, old[0]!], random)) db!.transaction(() => applyOps(tables.forUser(USER), [o]))();
    expect(stored()).toEqual(referenceTree(ops, ROOT, TRASH).tree);
  });

  it('keeps the listing and search indexes and the folder count in step with undo and redo', () => {
    const tables = openTables();
    const a = op(10, 'us-east', 'a', ROOT, 'Alpha');
    const b = op(20, 'asia', 'b', ROOT, 'Beta');
    const aUnderB = op(30, 'us-east', 'a', 'b', 'Alpha');
    const bUnderA = op(25, 'asia', 'b', 'a', 'Beta renamed');
    db!.transaction(() => applyOps(tables.forUser(USER), [a, b, aUnderB]))();
    // The late move of b under a comes first in time, so a's move under b is now the one skipped.
    db!.transaction(() => applyOps(tables.forUser(USER), [bUnderA]))();
    expect(stored().map((i) => [i.id, i.parentId, i.name])).toEqual([
      ['a', ROOT, 'Alpha'],
      ['b', 'a', 'Beta renamed'],
    ]);
    const search = db!.prepare(`SELECT items.item_id AS id FROM items_search JOIN items ON items.id = items_search.rowid WHERE items_search MATCH ?`);
    expect(search.all('"renamed"')).toEqual([{ id: 'b' }]);
    expect(search.all('"beta"')).toEqual([{ id: 'b' }]);
    expect(db!.prepare('SELECT folders FROM usage WHERE user_id = ?').get(USER)).toEqual({ folders: 2 });
    db!.transaction(() => applyOps(tables.forUser(USER), [op(40, 'eu-west', 'a', null, 'Alpha')]))();
    expect(db!.prepare('SELECT folders FROM usage WHERE user_id = ?').get(USER)).toEqual({ folders: 1 });
  });
});
