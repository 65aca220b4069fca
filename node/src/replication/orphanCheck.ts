import type { UploadKnowledge } from '../api/files';
import type { ReplicationContext } from './replicationContext';

/**
 * Blob uploads this node is coordinating now: a peer holding a copy with no entry asks before
 * it removes it (see mayRemoveOrphan).
 */
export class UploadsInProgress {
  private readonly files = new Map<string, number>();
  /** Resumable uploads held here and not committed yet count too (uploads/resumableStore.ts). */
  private held: (userId: string, fileId: string) => boolean = () => false;

  watchHeld(held: (userId: string, fileId: string) => boolean): void {
    this.held = held;
  }

  begin(userId: string, fileId: string): () => void {
    const key = `${userId}/${fileId}`;
    this.files.set(key, (this.files.get(key) ?? 0) + 1);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const left = (this.files.get(key) ?? 1) - 1;
      if (left > 0) this.files.set(key, left);
      else this.files.delete(key);
    };
  }

  has(userId: string, fileId: string): boolean {
    return this.files.has(`${userId}/${fileId}`) || this.held(userId, fileId);
  }
}

export function uploadKnowledge(ctx: ReplicationContext, userId: string, fileId: string): UploadKnowledge {
  const entry = ctx.catalog.isDeleted(userId, fileId) ? 'deleted' : ctx.catalog.isKnown(userId, fileId) ? 'present' : 'none';
  return { inProgress: ctx.uploads.has(userId, fileId), entry };
}

/**
 * A copy here with no entry is an orphan only once its upload is known to have failed, never
 * on a timer alone (DESIGN §6): its entry may still be on its way from a node that was cut
 * off, and that node may be the only other one holding the bytes. So every other node is
 * asked; the copy goes only if all of them answer, none is still uploading it, and none knows
 * its entry — or one knows it was deleted (the failed upload's abort record is a tombstone).
 */
export async function mayRemoveOrphan(ctx: ReplicationContext, userId: string, fileId: string): Promise<boolean> {
  const answers = await Promise.all(
    ctx.allNodes
      .filter((node) => node !== ctx.self)
      .map((node) => ctx.peers.uploadKnowledge(node, userId, fileId).catch(() => undefined)),
  );
  if (answers.some((answer) => answer?.entry === 'deleted')) return true;
  return answers.every((answer) => answer !== undefined && !answer.inProgress && answer.entry === 'none');
}
