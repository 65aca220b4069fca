import type { ItemKind } from './itemName';
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
 * record and no parent, and nothing can move them.
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

  isFixed(id: ItemId): boolean {
    return id === this.rootId || id === this.trashId;
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

  /**
   * True when `ancestor` is on the path from `id` up to the top of its tree. Walks up from `id`,
   * so it costs the depth of the tree, not its size.
   */
  isAncestor(ancestor: ItemId, id: ItemId): boolean {
    let steps = 0;
    let current = this.items.get(id)?.parentId ?? null;
    while (current !== null) {
      if (current === ancestor) return true;
      // The tree is acyclic by construction; a cycle here is a bug, and looping for ever on
      // it would hide it.
      if (++steps > this.items.size) throw new Error(`cycle in tree above ${id}`);
      current = this.items.get(current)?.parentId ?? null;
    }
    return false;
  }

  /**
   * The rule of do_op: a move is skipped if it would put an item under itself or its own
   * descendant (that is what keeps the tree acyclic), moves root or trash, or puts an item under
   * a file. It only reads the current state, so every replica decides the same at the same point
   * of the timestamp order.
   */
  refusal(itemId: ItemId, newParentId: ItemId | null): MoveRefusal | null {
    if (this.isFixed(itemId)) return 'fixed_item';
    if (newParentId === null) return null;
    if (newParentId === itemId) return 'into_itself';
    if (this.items.get(newParentId)?.kind === 'file') return 'parent_is_file';
    if (this.isAncestor(itemId, newParentId)) return 'into_descendant';
    return null;
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
