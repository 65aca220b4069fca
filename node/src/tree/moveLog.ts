import type { Hlc } from '../gossip/frames';
import { compareHlc } from '../index/hlc';
import { compareOps, type ItemId, type TreeOp } from './treeOp';
import type { MoveRefusal, TreeItem } from './treeState';

/**
 * The move operation of Kleppmann et al., "A highly-available move operation for replicated
 * trees" (IEEE TPDS 2021), over any storage of one user's tree and op log: memory for the
 * simulations (TreeReplica), the node's SQLite store for the real thing (store/treeTables.ts).
 *
 * The tree is always the result of doing every known op in timestamp order. An op newer than
 * everything in the log is simply done. An op that arrives late is put in its place: the newer
 * ops are undone (newest first), the late op is done, and the newer ops are done again, each
 * deciding afresh whether it is allowed, since the late op may have changed the answer. Because
 * the result depends only on the set of ops, every region that has the same ops has the same
 * tree, whatever order they came in.
 */

export interface LogEntry {
  readonly op: TreeOp;
  /** The item's record just before this op was done (undefined: it did not exist yet). */
  prior: TreeItem | undefined;
  /**
   * False when the op was skipped. It stays in the log, since a late op that lands before it can
   * make it valid again (or the other way round), and redo must decide that deterministically.
   */
  effective: boolean;
}

/** One user's items and op log, wherever they are kept. Every call is synchronous (one transaction). */
export interface TreeStorage {
  readonly rootId: ItemId;
  readonly trashId: ItemId;
  get(id: ItemId): TreeItem | undefined;
  /** Puts a record in place (a do or an undo). */
  put(item: TreeItem): void;
  /** Forgets an item (the undo of the op that created it). */
  remove(id: ItemId): void;
  /** Whether the log holds an op with this stamp. */
  hasOp(hlc: Hlc): boolean;
  /** Removes the log entries whose op is not older than `hlc` and returns them, oldest first. */
  takeFrom(hlc: Hlc): LogEntry[];
  /** Adds an entry newer than every entry in the log. */
  append(entry: LogEntry): void;
  /** The compaction point: ops at or before it are no longer in the log. */
  readonly stable: Hlc | null;
}

export interface ApplyReport {
  /** Ops new to this replica, now in the log and reflected in the tree. */
  added: number;
  /** Ops already in the log. */
  duplicates: number;
  /**
   * Ops at or before the compaction point: copies of ops this replica had (the caller's stable
   * point promises that nothing else can be that old). Ignored.
   */
  stale: number;
  /** Newer ops undone and done again to place late ones: the cost of lateness. */
  redone: number;
}

/** A limit on walks up the tree: it is acyclic by construction, so reaching it is a bug, not a loop for ever. */
const MAX_DEPTH = 1_000_000;

/**
 * Applies many ops with one undo-do-redo pass back to the oldest new one, so that healing a
 * partition (thousands of late ops at once) costs one pass over the newer ops, not one each.
 */
export function applyOps(storage: TreeStorage, ops: readonly TreeOp[]): ApplyReport {
  const report: ApplyReport = { added: 0, duplicates: 0, stale: 0, redone: 0 };
  const fresh: TreeOp[] = [];
  for (const op of ops) {
    if (storage.stable !== null && compareHlc(op.hlc, storage.stable) <= 0) report.stale++;
    else if (storage.hasOp(op.hlc)) report.duplicates++;
    else fresh.push(op);
  }
  if (fresh.length === 0) return report;
  fresh.sort(compareOps);

  const newer = storage.takeFrom(fresh[0]!.hlc);
  // Undo newest first: each entry's prior record is the state its op saw.
  for (let i = newer.length - 1; i >= 0; i--) undo(storage, newer[i]!);

  let i = 0;
  let j = 0;
  let last: Hlc | null = null;
  while (i < newer.length || j < fresh.length) {
    const takeNew = j < fresh.length && (i === newer.length || compareOps(fresh[j]!, newer[i]!.op) < 0);
    if (takeNew) {
      const op = fresh[j++]!;
      // The same op twice in one batch.
      if (last !== null && compareHlc(op.hlc, last) === 0) {
        report.duplicates++;
        continue;
      }
      const entry: LogEntry = { op, prior: undefined, effective: false };
      doOp(storage, entry);
      storage.append(entry);
      last = op.hlc;
      report.added++;
    } else {
      const entry = newer[i++]!;
      doOp(storage, entry);
      storage.append(entry);
      last = entry.op.hlc;
      report.redone++;
    }
  }
  return report;
}

/**
 * True when `ancestor` is on the path from `id` up to the top of its tree. Walks up from `id`,
 * so it costs the depth of the tree, not its size.
 */
export function isAncestor(storage: Pick<TreeStorage, 'get'>, ancestor: ItemId, id: ItemId): boolean {
  let steps = 0;
  let current = storage.get(id)?.parentId ?? null;
  while (current !== null) {
    if (current === ancestor) return true;
    // The tree is acyclic by construction; a cycle here is a bug, and looping for ever on it
    // would hide it.
    if (++steps > MAX_DEPTH) throw new Error(`cycle in tree above ${id}`);
    current = storage.get(current)?.parentId ?? null;
  }
  return false;
}

/**
 * The rule of do_op: a move is skipped if it would put an item under itself or its own
 * descendant (that is what keeps the tree acyclic), moves root or trash, or puts an item under
 * a file. It only reads the current state, so every replica decides the same at the same point
 * of the timestamp order.
 */
export function moveRefusal(storage: Pick<TreeStorage, 'get' | 'rootId' | 'trashId'>, itemId: ItemId, newParentId: ItemId | null): MoveRefusal | null {
  if (itemId === storage.rootId || itemId === storage.trashId) return 'fixed_item';
  if (newParentId === null) return null;
  if (newParentId === itemId) return 'into_itself';
  if (storage.get(newParentId)?.kind === 'file') return 'parent_is_file';
  if (isAncestor(storage, itemId, newParentId)) return 'into_descendant';
  return null;
}

/** The folders above an item, top first (breadcrumbs): costs its depth. */
export function ancestorsOf(storage: Pick<TreeStorage, 'get'>, id: ItemId): ItemId[] {
  const out: ItemId[] = [];
  let current = storage.get(id)?.parentId ?? null;
  while (current !== null) {
    if (out.length > MAX_DEPTH) throw new Error(`cycle in tree above ${id}`);
    out.push(current);
    current = storage.get(current)?.parentId ?? null;
  }
  return out.reverse();
}

export type ItemPlace = 'root' | 'trash' | 'purged' | 'detached' | 'unknown';

/**
 * Which tree an item is in: under root, under trash, purged (itself or a folder above it), or
 * detached (under a folder whose creation has not arrived yet; transient).
 */
export function placeOf(storage: Pick<TreeStorage, 'get' | 'rootId' | 'trashId'>, id: ItemId): ItemPlace {
  if (id === storage.rootId) return 'root';
  if (id === storage.trashId) return 'trash';
  let item = storage.get(id);
  if (!item) return 'unknown';
  for (let steps = 0; ; steps++) {
    if (steps > MAX_DEPTH) throw new Error(`cycle in tree above ${id}`);
    const parent = item.parentId;
    if (parent === null) return 'purged';
    if (parent === storage.rootId) return 'root';
    if (parent === storage.trashId) return 'trash';
    const next = storage.get(parent);
    if (!next) return 'detached';
    item = next;
  }
}

function doOp(storage: TreeStorage, entry: LogEntry): void {
  const { op } = entry;
  const prior = storage.get(op.itemId);
  entry.prior = prior;
  entry.effective = moveRefusal(storage, op.itemId, op.newParentId) === null;
  if (!entry.effective) return;
  let previousParentId: ItemId | null = null;
  if (prior) previousParentId = prior.parentId !== op.newParentId ? prior.parentId : prior.previousParentId;
  storage.put({
    id: op.itemId,
    parentId: op.newParentId,
    name: op.newName,
    kind: op.kind,
    placedBy: { hlc: op.hlc, origin: op.origin, ...(op.ref !== undefined ? { ref: op.ref } : {}) },
    previousParentId,
  });
}

function undo(storage: TreeStorage, entry: LogEntry): void {
  if (!entry.effective) return;
  if (entry.prior) storage.put(entry.prior);
  else storage.remove(entry.op.itemId);
}
