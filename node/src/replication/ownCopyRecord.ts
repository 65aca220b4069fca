import type { ReplicationContext } from './replicationContext';

/**
 * Records this node's copy of a file once its bytes are in place, which happens after the
 * upload was answered: a peer's replica, a resumable upload's finish, a coordinator's own copy
 * that came in after the quorum. The file may have been deleted while the bytes were being
 * written: the repairer's discard then found no blob to remove, so the copy goes here, at once,
 * rather than wait on disk for the next sweep.
 */
export async function recordOwnCopy(ctx: Pick<ReplicationContext, 'catalog' | 'blobs'>, userId: string, fileId: string, stored: { sha256: string; size: number }): Promise<void> {
  await ctx.catalog.setOwnReplica(userId, fileId, 'stored', stored);
  if (!ctx.catalog.isDeleted(userId, fileId)) return;
  await ctx.blobs.remove(userId, fileId);
  await ctx.catalog.clearOwnReplica(userId, fileId);
}
