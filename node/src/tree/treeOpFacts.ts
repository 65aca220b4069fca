import { z } from 'zod';
import type { Fact } from '../gossip/frames';
import { rootFolderId, type FileEntry } from '../api/files';
import { itemIdSchema, itemKindSchema, type TreeOp } from './treeOp';
import { itemNameSchema, repairName } from './itemName';

/**
 * How tree ops travel in the replicated index: one fact per op, `tree/<userId>/<opId>`, written
 * once. The fact's version is the op's timestamp and its node the op's origin region, so the
 * value carries only the move itself.
 */
export const treeOpValueSchema = z.strictObject({
  itemId: itemIdSchema,
  newParentId: itemIdSchema.nullable(),
  newName: itemNameSchema,
  kind: itemKindSchema,
});
export type TreeOpValue = z.infer<typeof treeOpValueSchema>;

/** The op a stored fact carries, or undefined when its value does not parse (a peer's bug: ignored). */
export function opOfFact(fact: Fact): TreeOp | undefined {
  const parsed = treeOpValueSchema.safeParse(fact.value);
  if (!parsed.success) return undefined;
  return { ...parsed.data, hlc: fact.version, origin: fact.version.node, ref: fact.key };
}

/**
 * A file entry of an earlier release has no ops: it is its own create op, under the folder and
 * with the name it was uploaded with, stamped with the entry's version. Every region derives the
 * same op from the same fact. Names of that release were looser (1024 characters, `/` allowed):
 * they are made valid here rather than losing the file.
 */
export function createOpOfLegacyEntry(fact: Fact, entry: FileEntry): TreeOp {
  return {
    hlc: fact.version,
    origin: fact.version.node,
    itemId: entry.fileId,
    newParentId: entry.parentId ?? rootFolderId(entry.ownerId),
    newName: repairName(entry.name),
    kind: 'file',
  };
}
