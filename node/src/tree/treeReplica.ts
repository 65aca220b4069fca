import type { Hlc } from '../gossip/frames';
import { compareHlc } from '../index/hlc';
import { displayNames } from './conflictNames';
import { compareOps, type ItemId, type TreeOp } from './treeOp';
import { TreeState, type MoveRefusal, type TreeItem } from './treeState';

/**
 * One user's replicated tree in one region: Kleppmann et al., "A highly-available move
 * operation for replicated trees" (IEEE TPDS 2021), written after the paper's Isabelle
 * definition and the hand-optimised replica of github.com/trvedata/move-op.
 *
 * The tree is always the result of doing every known op in timestamp order. An op newer than
 * everything in the log is simply done. An op that arrives late is put in its place: the newer
 * ops are undone (newest first), the late op is done, and the newer ops are done again, each
 * deciding afresh whether it is allowed, since the late op may have changed the answer. Because
 * the result depends only on the set of ops, every region that has the same ops has the same
 * tree, whatever order they came in.
 */

interface LogEntry {
  readonly op: TreeOp;
  /** The item's record just before this op was done (undefined: it did not exist yet). */
  prior: TreeItem | undefined;
  /**
   * False when the op was skipped. It stays in the log, since a late op that lands before it can
   * make it valid again (or the other way round), and redo must decide that deterministically.
   */
  effective: boolean;
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

export type ItemPlace = 'root' | 'trash' | 'purged' | 'detached' | 'unknown';

export class TreeReplica {
  private readonly state: TreeState;
  /** Ops in ascending timestamp order (the paper keeps it descending; appending is cheaper). */
  private readonly log: LogEntry[] = [];
  private stable: Hlc | null = null;

  constructor(opts: { rootId: ItemId; trashId: ItemId }) {
    this.state = new TreeState(opts.rootId, opts.trashId);
  }

  get rootId(): ItemId {
    return this.state.rootId;
  }

  get trashId(): ItemId {
    return this.state.trashId;
  }

  apply(op: TreeOp): ApplyReport {
    return this.applyBatch([op]);
  }

  /**
   * Applies many ops with one undo-do-redo pass back to the oldest new one, so that healing a
   * partition (thousands of late ops at once) costs one pass over the newer ops, not one each.
   */
  applyBatch(ops: readonly TreeOp[]): ApplyReport {
    const report: ApplyReport = { added: 0, duplicates: 0, stale: 0, redone: 0 };
    const fresh: TreeOp[] = [];
    for (const op of ops) {
      if (this.stable !== null && compareHlc(op.hlc, this.stable) <= 0) report.stale++;
      else if (this.indexOf(op.hlc) >= 0) report.duplicates++;
      else fresh.push(op);
    }
    if (fresh.length === 0) return report;
    fresh.sort(compareOps);

    const start = this.lowerBound(fresh[0]!.hlc);
    // Undo newest first: each entry's prior record is the state its op saw.
    for (let i = this.log.length - 1; i >= start; i--) this.undo(this.log[i]!);
    const newer = this.log.splice(start);

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
        this.do(entry);
        this.log.push(entry);
        last = op.hlc;
        report.added++;
      } else {
        const entry = newer[i++]!;
        this.do(entry);
        this.log.push(entry);
        last = entry.op.hlc;
        report.redone++;
      }
    }
    return report;
  }

  /**
   * Drops the ops at or before `stableHlc` from the log. The caller promises that every member
   * has seen every op up to it, so no op that old can still arrive: undo never needs to go back
   * that far, and the ops' effects stay in the tree. Returns how many were dropped.
   */
  compact(stableHlc: Hlc): number {
    if (this.stable !== null && compareHlc(stableHlc, this.stable) <= 0) return 0;
    this.stable = stableHlc;
    const end = this.upperBound(stableHlc);
    if (end === 0) return 0;
    this.log.splice(0, end);
    return end;
  }

  get logLength(): number {
    return this.log.length;
  }

  /** The compaction point: ops at or before it are no longer in the log. */
  get stableHlc(): Hlc | null {
    return this.stable;
  }

  get itemCount(): number {
    return this.state.size;
  }

  item(id: ItemId): TreeItem | undefined {
    return this.state.get(id);
  }

  items(): IterableIterator<TreeItem> {
    return this.state.values();
  }

  /** The items directly in a folder (root and trash included), in no particular order. */
  children(folderId: ItemId): TreeItem[] {
    const out: TreeItem[] = [];
    for (const id of this.state.childIds(folderId)) out.push(this.state.get(id)!);
    return out;
  }

  /** The names a folder's children are shown with (see conflictNames.ts). */
  displayNames(folderId: ItemId): Map<ItemId, string> {
    return displayNames(this.children(folderId));
  }

  isAncestor(ancestor: ItemId, id: ItemId): boolean {
    return this.state.isAncestor(ancestor, id);
  }

  /** Why moving `itemId` under `newParentId` now would be skipped (the API's 409), or null. */
  moveRefusal(itemId: ItemId, newParentId: ItemId | null): MoveRefusal | null {
    return this.state.refusal(itemId, newParentId);
  }

  /** The folders above an item, top first (breadcrumbs): costs its depth. */
  ancestors(id: ItemId): ItemId[] {
    const out: ItemId[] = [];
    let current = this.state.get(id)?.parentId ?? null;
    while (current !== null) {
      if (out.length > this.state.size) throw new Error(`cycle in tree above ${id}`);
      out.push(current);
      current = this.state.get(current)?.parentId ?? null;
    }
    return out.reverse();
  }

  /**
   * Which tree an item is in: under root, under trash, purged (itself or a folder above it), or
   * detached (under a folder whose creation has not arrived yet; transient).
   */
  place(id: ItemId): ItemPlace {
    if (id === this.rootId) return 'root';
    if (id === this.trashId) return 'trash';
    let item = this.state.get(id);
    if (!item) return 'unknown';
    for (let steps = 0; ; steps++) {
      if (steps > this.state.size) throw new Error(`cycle in tree above ${id}`);
      const parent = item.parentId;
      if (parent === null) return 'purged';
      if (parent === this.rootId) return 'root';
      if (parent === this.trashId) return 'trash';
      const next = this.state.get(parent);
      if (!next) return 'detached';
      item = next;
    }
  }

  private do(entry: LogEntry): void {
    const { op } = entry;
    const prior = this.state.get(op.itemId);
    entry.prior = prior;
    entry.effective = this.state.refusal(op.itemId, op.newParentId) === null;
    if (!entry.effective) return;
    let previousParentId: ItemId | null = null;
    if (prior) previousParentId = prior.parentId !== op.newParentId ? prior.parentId : prior.previousParentId;
    this.state.put({
      id: op.itemId,
      parentId: op.newParentId,
      name: op.newName,
      kind: op.kind,
      placedBy: { hlc: op.hlc, origin: op.origin },
      previousParentId,
    });
  }

  private undo(entry: LogEntry): void {
    if (!entry.effective) return;
    if (entry.prior) this.state.put(entry.prior);
    else this.state.remove(entry.op.itemId);
  }

  /** Index of the op with this stamp, or -1. */
  private indexOf(hlc: Hlc): number {
    const i = this.lowerBound(hlc);
    return i < this.log.length && compareHlc(this.log[i]!.op.hlc, hlc) === 0 ? i : -1;
  }

  /** First index whose op is not older than `hlc`. */
  private lowerBound(hlc: Hlc): number {
    let lo = 0;
    let hi = this.log.length;
    // Most ops are newer than everything: check the end before searching.
    if (hi > 0 && compareHlc(this.log[hi - 1]!.op.hlc, hlc) < 0) return hi;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareHlc(this.log[mid]!.op.hlc, hlc) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First index whose op is newer than `hlc`. */
  private upperBound(hlc: Hlc): number {
    let lo = 0;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareHlc(this.log[mid]!.op.hlc, hlc) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
