import { Readable } from 'node:stream';
import type { FileEntry } from '../api/files';
import type { NodeId } from '../gossip/frames';
import type { ByteRange } from '../storage/blobStore';
import { storedSourcesByDistance, type ReplicationContext } from './replicationContext';

export interface OpenedFile {
  stream: Readable;
  servedBy: NodeId;
}

/**
 * Opens a file (or a byte range) for reading: from this node's replica when it is stored
 * and whole, else from the nearest peer holding a stored replica, failing over to the next.
 * Returns undefined when no replica can be reached.
 */
export async function openFile(ctx: ReplicationContext, entry: FileEntry, range: ByteRange | undefined): Promise<OpenedFile | undefined> {
  const { ownerId: userId, fileId } = entry;
  if (entry.inline) {
    // In this node's index, or not here yet: another node (the gateway fails over) has it.
    const data = ctx.catalog.inlineData(userId, fileId);
    if (!data) return undefined;
    return { stream: Readable.from([range ? data.subarray(range.start, range.end + 1) : data]), servedBy: ctx.self };
  }
  const local = ctx.catalog.replicaRecord(ctx.self, userId, fileId);
  if (local?.state === 'stored' && (await ctx.blobs.stat(userId, fileId))?.size === entry.size) {
    try {
      const opened = await ctx.blobs.open(userId, fileId, range);
      return { stream: opened.stream, servedBy: ctx.self };
    } catch (error) {
      ctx.logger.warn({ fileId, err: error }, 'local replica could not be opened; reading from a peer');
    }
  }
  for (const peer of storedSourcesByDistance(ctx, userId, fileId)) {
    try {
      // The peer sends ciphertext; this node, the edge, opens it.
      const { stream } = await ctx.peers.readReplica(peer, userId, fileId, range);
      return { stream, servedBy: peer };
    } catch (error) {
      ctx.logger.warn({ fileId, peer, err: error }, 'peer could not serve the replica; trying the next');
    }
  }
  // A copy or a restored version nobody has linked yet: its original holds the same bytes.
  const original = entry.copiedFrom === undefined ? undefined : ctx.catalog.entry(userId, entry.copiedFrom);
  if (original && original.sha256 === entry.sha256 && original.size === entry.size) return openFile(ctx, original, range);
  return undefined;
}
