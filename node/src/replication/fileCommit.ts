import type { FileEntry, FileView } from '../api/files';
import type { UploadConflict } from '../api/tree';
import type { NodeId } from '../gossip/frames';
import { replicaRecordOf } from '../files/fileCatalog';
import { awaitEntryCopies } from './entryCopies';
import { expectedHolders, type ReplicationContext } from './replicationContext';

/**
 * The end of every upload whose bytes are durable on W nodes (a streamed upload,
 * uploadCoordinator.ts, or a resumable one, uploads/uploadComplete.ts): the entry goes in the
 * tree (a new version when the name is taken and `onConflict` says so), with this node's replica
 * record in the same transaction, and the upload is acknowledged once W-1 peers hold the entry
 * too (W=2 for the entry as for the bytes). `released` is told when the entry is committed, so
 * the quota owner can hold the bytes until the entry counts in its own index.
 */
export async function commitStoredFile(
  ctx: ReplicationContext,
  file: {
    entry: FileEntry;
    onConflict: UploadConflict;
    /** Nodes whose copy is durable now. */
    storedOn: readonly NodeId[];
    /** Nodes the bytes were sent to (for the live view). */
    targets: readonly NodeId[];
    released: (committedAs: { userId: string; fileId: string }) => void;
  },
): Promise<{ entry: FileEntry; view: FileView }> {
  const { ownerId: userId, fileId, size, sha256 } = file.entry;
  // The entry, its create op and this node's replica record in one transaction: one fsync.
  const ownReplica = file.storedOn.includes(ctx.self) ? replicaRecordOf('stored', { sha256, size }) : undefined;
  const { entry, facts } = await ctx.tree.commitNewFile(file.entry, file.onConflict, (placed, op) => ctx.catalog.putEntry(placed, ownReplica, op ? [op] : []));
  file.released({ userId, fileId });
  // W=2 for the entry too: bytes that only this node knows to be a file are lost with its
  // disk, and the peers would sweep their copies as orphans. A peer's durable ack of the
  // entry (or anything after it in the batch) is what lets the upload be acknowledged.
  const entryHolders = await awaitEntryCopies(ctx, facts.at(-1)!, userId, fileId);
  ctx.logger.info({ fileId, userId, size: entry.size, targets: file.targets, acknowledgedBy: file.storedOn.length, entryOn: [ctx.self, ...entryHolders] }, 'upload acknowledged');
  for (const node of file.targets) {
    if (node !== ctx.self) ctx.activity({ from: ctx.self, to: node, action: 'upload', fileId, bytes: entry.size });
  }
  // The acknowledging replicas are stored, whether or not their own facts have arrived yet.
  const view = ctx.catalog.view(entry, expectedHolders(ctx, fileId));
  for (const node of file.storedOn) view.replicas[node] = 'stored';
  return { entry, view };
}
