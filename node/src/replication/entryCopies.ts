import type { Fact, NodeId } from '../gossip/frames';
import { CopiesTimeoutError } from '../index/antiEntropy';
import type { ReplicationContext } from './replicationContext';
import { UploadError } from './uploadError';

/**
 * Waits until W-1 peers hold a newly committed file entry on their disks (their `durable`
 * acks of `fact`, the last fact of its batch). If they do not in time, the entry is withdrawn
 * with a tombstone, so that a file the client was told failed never appears.
 */
export async function awaitEntryCopies(ctx: ReplicationContext, fact: Fact, userId: string, fileId: string): Promise<NodeId[]> {
  try {
    return await ctx.catalog.awaitPeerCopies(fact, ctx.settings.writeQuorum - 1, ctx.settings.copyTimeoutMs);
  } catch (error) {
    if (!(error instanceof CopiesTimeoutError)) throw error;
    await ctx.catalog.deleteEntry(userId, fileId);
    throw new UploadError('replication_failed', `Only ${error.holders.length + 1} of the ${ctx.settings.writeQuorum} required copies of the file's entry confirmed in time.`);
  }
}
