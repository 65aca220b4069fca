import type { FileEntry, RepairResult } from '../api/files';
import type { Repairer } from '../replication/repairer';
import type { ReplicationContext } from '../replication/replicationContext';
import { IntegrityError } from '../storage/storageErrors';

/**
 * Verifies this node's replica and repairs it when bad (`POST …/verify`, `POST /v1/files/…/repair`).
 * An encrypted blob whose tags fail makes the hash throw rather than differ: it is marked
 * corrupt and pulled again, as a blob with the wrong hash is.
 */
export async function verifyLocalReplica(ctx: ReplicationContext, repairer: Repairer, entry: FileEntry): Promise<RepairResult> {
  try {
    return await repairer.ensureLocal(entry, { verify: true });
  } catch (error) {
    if (!(error instanceof IntegrityError)) throw error;
    ctx.logger.warn({ fileId: entry.fileId, err: error }, 'replica fails its authentication tags; pulling it again');
    await ctx.catalog.setOwnReplica(entry.ownerId, entry.fileId, 'corrupt');
    return { ...(await repairer.ensureLocal(entry)), before: 'corrupt' };
  }
}
