import { z } from 'zod';
import { hlcSchema, NODE_ID_PATTERN, type Hlc } from '../gossip/frames';
import { compareHlc } from '../index/hlc';
import { itemNameSchema, type ItemKind } from './itemName';

/**
 * The one operation of the replicated tree (Kleppmann et al. 2021): "at time `hlc`, put item
 * `itemId` under `newParentId` with name `newName`". It does not say where the item was, which
 * is what makes concurrent moves of the same item well defined. Every change is one:
 * - create: a move of a new id under its folder (the item exists from its first move);
 * - rename: a move under the same parent with another name;
 * - delete: a move under the user's trash item; restore: a move out of it;
 * - purge: a move to nowhere (`newParentId: null`); the item and what is under it are gone.
 */

export type ItemId = string;
/** The region an operation was made in: it names the later of two clashing items. */
export type RegionId = string;

export interface TreeOp {
  /**
   * Orders all operations of a user. HLC stamps of one node never repeat and `hlc.node` breaks
   * ties between nodes, so two operations never compare equal: the stamp is also the op's id.
   */
  hlc: Hlc;
  itemId: ItemId;
  newParentId: ItemId | null;
  newName: string;
  /** Never changes for an item; every op carries it so that whichever op arrives first can create it. */
  kind: ItemKind;
  origin: RegionId;
  /** Where the op is stored (its index key), so that compaction can retire it; absent for derived ops. */
  ref?: string;
}

/** The op that put an item where it is: decides which of two same-name siblings is "later". */
export interface Placement {
  hlc: Hlc;
  origin: RegionId;
  /** The placing op's `ref`. */
  ref?: string;
}

export function compareOps(a: Pick<TreeOp, 'hlc'>, b: Pick<TreeOp, 'hlc'>): number {
  return compareHlc(a.hlc, b.hlc);
}

export const itemIdSchema = z.string().min(1).max(128);
// Region ids appear in display names, so they follow the node-id pattern (no "/", no spaces).
export const regionIdSchema = z.string().regex(NODE_ID_PATTERN, 'a region id: lower-case letters, digits and dashes');
export const itemKindSchema = z.enum(['file', 'folder']);

/** For operations read from peers or the store: parsed before a replica applies them. */
export const treeOpSchema = z.strictObject({
  hlc: hlcSchema,
  itemId: itemIdSchema,
  newParentId: itemIdSchema.nullable(),
  newName: itemNameSchema,
  kind: itemKindSchema,
  origin: regionIdSchema,
  ref: z.string().max(512).optional(),
});

interface Stamp {
  hlc: Hlc;
  origin: RegionId;
}

interface ItemRef {
  id: ItemId;
  name: string;
  kind: ItemKind;
}

export function createOp(stamp: Stamp, item: ItemRef, parentId: ItemId): TreeOp {
  return { ...stamp, itemId: item.id, newParentId: parentId, newName: item.name, kind: item.kind };
}

export function moveOp(stamp: Stamp, item: ItemRef, newParentId: ItemId, newName = item.name): TreeOp {
  return { ...stamp, itemId: item.id, newParentId, newName, kind: item.kind };
}

export function renameOp(stamp: Stamp, item: ItemRef & { parentId: ItemId | null }, newName: string): TreeOp {
  return { ...stamp, itemId: item.id, newParentId: item.parentId, newName, kind: item.kind };
}

export function trashOp(stamp: Stamp, item: ItemRef, trashId: ItemId): TreeOp {
  return moveOp(stamp, item, trashId);
}

export function purgeOp(stamp: Stamp, item: ItemRef): TreeOp {
  return { ...stamp, itemId: item.id, newParentId: null, newName: item.name, kind: item.kind };
}
