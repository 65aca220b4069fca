import type { ItemKind } from './itemName';
import { isAncestor } from './moveLog';
import type { ItemId, Placement } from './treeOp';

/** Where an item is now: the result of every applied op in timestamp order. */
export interface TreeItem {
  readonly id: ItemId;
  /** null: purged. */
  readonly parentId: ItemId | null;
  readonly name: string;
  readonly kind: ItemKind;
  readonly placedBy: Placement;
  /**
   * The parent it had before it last changed parent (null when it was created there): where a
   * restore from the trash puts it back. Derived from the state before the placing op, so it is
   * the same in every replica.
   */
  readonly previousParentId: ItemId | null;
}

/** Why a move is not applied; the local API answers with the same rule (409 invalid_move). */
export type MoveRefusal = 'fixed_item' | 'into_itself' | 'into_descendant' | 'parent_is_file';

/**
 * The tree of one user: item records plus a children index per folder, so that listing a folder
 * and computing its display names never scan all items. Root and trash are fixed: they have no
 * record and no parent, and nothing can move them (moveLog.moveRefusal).
 */
export class TreeState {
  private readonly items = new Map<ItemId, TreeItem>();
  private readonly childrenOf = new Map<ItemId, Set<ItemId>>();

  constructor(
    readonly rootId: ItemId,
    readonly trashId: ItemId,
  ) {
    if (rootId === trashId) throw new Error('root and trash must be different items');
  }

  get size(): number {
    return this.items.size;
  }

  get(id: ItemId): TreeItem | undefined {
    return this.items.get(id);
  }

  values(): IterableIterator<TreeItem> {
    return this.items.values();
  }

  childIds(parentId: ItemId): ReadonlySet<ItemId> {
    return this.childrenOf.get(parentId) ?? EMPTY;
  }


  /** Puts a record in place (a do or an undo), keeping the children index in step. */
  put(item: TreeItem): void {
    const old = this.items.get(item.id);
    if (old && old.parentId !== item.parentId) this.unlink(old.parentId, item.id);
    this.items.set(item.id, item);
    if (!old || old.parentId !== item.parentId) this.link(item.parentId, item.id);
  }

  /** Forgets an item (the undo of the op that created it). */
  remove(id: ItemId): void {
    const old = this.items.get(id);
    if (!old) return;
    this.items.delete(id);
    this.unlink(old.parentId, id);
  }

  /** True when `ancestor` is above `id` (see moveLog.isAncestor). */
  isAncestor(ancestor: ItemId, id: ItemId): boolean {
    return isAncestor(this, ancestor, id);
  }

  private link(parentId: ItemId | null, id: ItemId): void {
    // Purged items are listed nowhere.
    if (parentId === null) return;
    let set = this.childrenOf.get(parentId);
    if (!set) this.childrenOf.set(parentId, (set = new Set()));
    set.add(id);
  }

  private unlink(parentId: ItemId | null, id: ItemId): void {
    if (parentId === null) return;
    const set = this.childrenOf.get(parentId);
    if (!set) return;
    set.delete(id);
    if (set.size === 0) this.childrenOf.delete(parentId);
  }
}

const EMPTY: ReadonlySet<ItemId> = new Set();
