import type { Hlc } from '../gossip/frames';
import { compareHlc } from '../index/hlc';
import { displayNames } from './conflictNames';
import { ancestorsOf, applyOps, moveRefusal, placeOf, type ApplyReport, type ItemPlace, type LogEntry, type TreeStorage } from './moveLog';
import type { ItemId, TreeOp } from './treeOp';
import { TreeState, type MoveRefusal, type TreeItem } from './treeState';

export type { ApplyReport, ItemPlace } from './moveLog';

/** One user's tree and op log in memory. */
class MemoryTreeStorage implements TreeStorage {
  readonly state: TreeState;
  /** Ops in ascending timestamp order (the paper keeps it descending; appending is cheaper). */
  readonly log: LogEntry[] = [];
  stable: Hlc | null = null;

  constructor(rootId: ItemId, trashId: ItemId) {
    this.state = new TreeState(rootId, trashId);
  }

  get rootId(): ItemId {
    return this.state.rootId;
  }

  get trashId(): ItemId {
    return this.state.trashId;
  }

  get(id: ItemId): TreeItem | undefined {
    return this.state.get(id);
  }

  put(item: TreeItem): void {
    this.state.put(item);
  }

  remove(id: ItemId): void {
    this.state.remove(id);
  }

  hasOp(hlc: Hlc): boolean {
    const i = this.lowerBound(hlc);
    return i < this.log.length && compareHlc(this.log[i]!.op.hlc, hlc) === 0;
  }

  takeFrom(hlc: Hlc): LogEntry[] {
    return this.log.splice(this.lowerBound(hlc));
  }

  append(entry: LogEntry): void {
    this.log.push(entry);
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
  upperBound(hlc: Hlc): number {
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

/**
 * One user's replicated tree in one region, in memory: the move operation of moveLog.ts
 * (Kleppmann et al. 2021, written after the paper's Isabelle definition and the hand-optimised
 * replica of github.com/trvedata/move-op) over a Map and an array. The node keeps the same in
 * its store (store/treeTables.ts); this one serves the simulations and tests.
 */
export class TreeReplica {
  private readonly storage: MemoryTreeStorage;

  constructor(opts: { rootId: ItemId; trashId: ItemId }) {
    this.storage = new MemoryTreeStorage(opts.rootId, opts.trashId);
  }

  get rootId(): ItemId {
    return this.storage.rootId;
  }

  get trashId(): ItemId {
    return this.storage.trashId;
  }

  apply(op: TreeOp): ApplyReport {
    return this.applyBatch([op]);
  }

  applyBatch(ops: readonly TreeOp[]): ApplyReport {
    return applyOps(this.storage, ops);
  }

  /**
   * Drops the ops at or before `stableHlc` from the log. The caller promises that every member
   * has seen every op up to it, so no op that old can still arrive: undo never needs to go back
   * that far, and the ops' effects stay in the tree. Returns how many were dropped.
   */
  compact(stableHlc: Hlc): number {
    const { storage } = this;
    if (storage.stable !== null && compareHlc(stableHlc, storage.stable) <= 0) return 0;
    storage.stable = stableHlc;
    const end = storage.upperBound(stableHlc);
    if (end === 0) return 0;
    storage.log.splice(0, end);
    return end;
  }

  get logLength(): number {
    return this.storage.log.length;
  }

  /** The compaction point: ops at or before it are no longer in the log. */
  get stableHlc(): Hlc | null {
    return this.storage.stable;
  }

  get itemCount(): number {
    return this.storage.state.size;
  }

  item(id: ItemId): TreeItem | undefined {
    return this.storage.get(id);
  }

  items(): IterableIterator<TreeItem> {
    return this.storage.state.values();
  }

  /** The items directly in a folder (root and trash included), in no particular order. */
  children(folderId: ItemId): TreeItem[] {
    const out: TreeItem[] = [];
    for (const id of this.storage.state.childIds(folderId)) out.push(this.storage.get(id)!);
    return out;
  }

  /** The names a folder's children are shown with (see conflictNames.ts). */
  displayNames(folderId: ItemId): Map<ItemId, string> {
    return displayNames(this.children(folderId));
  }

  isAncestor(ancestor: ItemId, id: ItemId): boolean {
    return this.storage.state.isAncestor(ancestor, id);
  }

  /** Why moving `itemId` under `newParentId` now would be skipped (the API's 409), or null. */
  moveRefusal(itemId: ItemId, newParentId: ItemId | null): MoveRefusal | null {
    return moveRefusal(this.storage, itemId, newParentId);
  }

  /** The folders above an item, top first (breadcrumbs): costs its depth. */
  ancestors(id: ItemId): ItemId[] {
    return ancestorsOf(this.storage, id);
  }

  place(id: ItemId): ItemPlace {
    return placeOf(this.storage, id);
  }
}
