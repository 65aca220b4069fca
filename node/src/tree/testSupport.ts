import type { Hlc } from '../gossip/frames';
import { compareHlc } from '../index/hlc';
import type { ItemKind } from './itemName';
import type { ItemId, Placement, RegionId, TreeOp } from './treeOp';
import type { TreeReplica } from './treeReplica';
import type { MoveRefusal } from './treeState';

/** Helpers for the tree's tests: stamps, snapshots, and an independent model to compare with. */

export const ROOT = 'root';
export const TRASH = 'trash';

export function stamp(wall: number, node: string, counter = 0): Hlc {
  return { wall, counter, node };
}

/** An op stamped at `wall` by the node named like its region. */
export function op(
  wall: number,
  origin: RegionId,
  itemId: ItemId,
  newParentId: ItemId | null,
  newName: string = itemId,
  kind: ItemKind = 'folder',
): TreeOp {
  return { hlc: stamp(wall, origin), itemId, newParentId, newName, kind, origin };
}

export interface ItemSnapshot {
  id: ItemId;
  parentId: ItemId | null;
  name: string;
  kind: ItemKind;
  placedBy: string;
}

function placementKey(p: Placement): string {
  return `${p.hlc.wall}.${p.hlc.counter}.${p.hlc.node}@${p.origin}`;
}

/** The whole tree as a sorted list, for toEqual between replicas. */
export function snapshot(replica: TreeReplica): ItemSnapshot[] {
  const out: ItemSnapshot[] = [];
  for (const item of replica.items()) {
    out.push({ id: item.id, parentId: item.parentId, name: item.name, kind: item.kind, placedBy: placementKey(item.placedBy) });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export interface ReferenceResult {
  tree: ItemSnapshot[];
  skipped: Record<MoveRefusal, number>;
}

/**
 * The paper's definition executed literally, with nothing shared with TreeReplica: sort every
 * op by timestamp and do them one after the other on a plain map, finding ancestors by
 * following parents. No log, no undo, no redo, no compaction, no index.
 */
export function referenceTree(ops: readonly TreeOp[], rootId = ROOT, trashId = TRASH): ReferenceResult {
  const sorted = ops.slice().sort((a, b) => compareHlc(a.hlc, b.hlc));
  const tree = new Map<ItemId, ItemSnapshot>();
  const skipped: Record<MoveRefusal, number> = { fixed_item: 0, into_itself: 0, into_descendant: 0, parent_is_file: 0 };
  const isAncestor = (ancestor: ItemId, id: ItemId): boolean => {
    const seen = new Set<ItemId>();
    for (let p = tree.get(id)?.parentId ?? null; p !== null; p = tree.get(p)?.parentId ?? null) {
      if (p === ancestor) return true;
      if (seen.has(p)) throw new Error('reference tree has a cycle');
      seen.add(p);
    }
    return false;
  };
  let previous: TreeOp | undefined;
  for (const o of sorted) {
    if (previous && compareHlc(previous.hlc, o.hlc) === 0) continue;
    previous = o;
    let refusal: MoveRefusal | null = null;
    if (o.itemId === rootId || o.itemId === trashId) refusal = 'fixed_item';
    else if (o.newParentId === o.itemId) refusal = 'into_itself';
    else if (o.newParentId !== null && tree.get(o.newParentId)?.kind === 'file') refusal = 'parent_is_file';
    else if (o.newParentId !== null && isAncestor(o.itemId, o.newParentId)) refusal = 'into_descendant';
    if (refusal) {
      skipped[refusal]++;
      continue;
    }
    tree.set(o.itemId, {
      id: o.itemId,
      parentId: o.newParentId,
      name: o.newName,
      kind: o.kind,
      placedBy: placementKey({ hlc: o.hlc, origin: o.origin }),
    });
  }
  const list = [...tree.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { tree: list, skipped };
}

/**
 * Structural checks on one replica; returns what is wrong (empty when nothing is): every item's
 * parent chain ends (no cycle) at root, trash or a purge; every item is listed in its parent's
 * children and nowhere else.
 */
export function structuralProblems(replica: TreeReplica): string[] {
  const problems: string[] = [];
  let listed = 0;
  const parents = new Set<ItemId>([replica.rootId, replica.trashId]);
  for (const item of replica.items()) {
    parents.add(item.id);
    const seen = new Set<ItemId>([item.id]);
    let current = item.parentId;
    while (current !== null && current !== replica.rootId && current !== replica.trashId) {
      if (seen.has(current)) {
        problems.push(`cycle through ${item.id}`);
        break;
      }
      seen.add(current);
      const parent = replica.item(current);
      if (!parent) {
        problems.push(`${item.id} hangs under ${current}, which does not exist`);
        break;
      }
      current = parent.parentId;
    }
    if (item.parentId !== null) {
      parents.add(item.parentId);
      if (!replica.children(item.parentId).some((child) => child.id === item.id)) {
        problems.push(`${item.id} missing from the children of ${item.parentId}`);
      }
    }
  }
  for (const parent of parents) listed += replica.children(parent).length;
  const placed = [...replica.items()].filter((item) => item.parentId !== null).length;
  if (listed !== placed) problems.push(`children index lists ${listed} items, ${placed} have a parent`);
  return problems;
}
