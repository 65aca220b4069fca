import type { FileEntry, RepairResult, ReplicaState } from '../api/files';
import { fileKey } from '../files/fileKeys';
import type { NodeId } from '../gossip/frames';
import { expectedHolders, storedSourcesByDistance, type ReplicationContext } from './replicationContext';

/**
 * Keeps this node's disk equal to what the index says it should hold (DESIGN §5): pulls
 * missing or corrupt replicas from the nearest peer that has them (verifying size and hash),
 * removes blobs of deleted files, and sweeps orphans of uploads that never completed. Runs on
 * a timer and whenever the index changes, so a node back from an outage heals unasked.
 */
export class Repairer {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private readonly inFlight = new Map<string, Promise<ReplicaState | 'missing'>>();
  /** Figures for the status page. */
  readonly stats = { sweeps: 0, pulled: 0, removed: 0, orphansRemoved: 0, failedPulls: 0 };

  constructor(private readonly ctx: ReplicationContext) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await Promise.allSettled(this.inFlight.values());
  }

  /** Asks for a sweep soon (coalesced): the index changed. */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(50);
  }

  /** One full pass; concurrent callers share it. */
  sweep(): Promise<void> {
    if (!this.running) {
      this.running = this.sweepOnce()
        .catch((error: unknown) => this.ctx.logger.error({ err: error }, 'repair sweep failed'))
        .finally(() => {
          this.running = null;
          const again = this.again;
          this.again = false;
          this.schedule(again ? 0 : this.ctx.settings.repairIntervalMs);
        });
    }
    return this.running;
  }

  /**
   * Makes sure this node holds a good copy of the file: optionally re-hashes the local blob
   * first (verify), and pulls a fresh copy when it is missing, short or corrupt.
   */
  async ensureLocal(entry: FileEntry, opts: { verify?: boolean } = {}): Promise<RepairResult> {
    const key = fileKey(entry.ownerId, entry.fileId);
    const before = await this.localState(entry, opts.verify ?? false);
    if (before === 'stored') {
      await this.ctx.catalog.setOwnReplica(entry.ownerId, entry.fileId, 'stored', entry.sha256);
      return { node: this.ctx.self, before, after: 'stored', repaired: false };
    }
    if (before === 'corrupt') await this.ctx.catalog.setOwnReplica(entry.ownerId, entry.fileId, 'corrupt');
    let pull = this.inFlight.get(key);
    if (!pull) {
      pull = this.pull(entry).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pull);
    }
    const after = await pull;
    return { node: this.ctx.self, before, after, repaired: after === 'stored' };
  }

  private async sweepOnce(): Promise<void> {
    const { ctx } = this;
    this.stats.sweeps++;
    const live = new Map<string, FileEntry>();
    for (const entry of ctx.catalog.allEntries()) {
      live.set(fileKey(entry.ownerId, entry.fileId), entry);
      if (!expectedHolders(ctx, entry.fileId).includes(ctx.self)) continue;
      if (this.stopped) return;
      const record = ctx.catalog.replicaRecord(ctx.self, entry.ownerId, entry.fileId);
      const stat = await ctx.blobs.stat(entry.ownerId, entry.fileId);
      if (record?.state === 'stored' && stat?.size === entry.size) continue;
      await this.ensureLocal(entry);
    }

    // Records and blobs of files that are gone (deleted) or never became files (orphans).
    const now = Date.now();
    for (const { userId, fileId, record } of ctx.catalog.ownReplicas()) {
      if (live.has(fileKey(userId, fileId))) continue;
      const deleted = ctx.catalog.isDeleted(userId, fileId);
      if (!deleted && now - Date.parse(record.at) < ctx.settings.orphanGraceMs) continue;
      await this.discard(userId, fileId, deleted ? 'deleted' : 'orphan');
    }
    for await (const blob of ctx.blobs.list()) {
      if (live.has(fileKey(blob.userId, blob.fileId))) continue;
      const deleted = ctx.catalog.isDeleted(blob.userId, blob.fileId);
      const hasRecord = ctx.catalog.replicaRecord(ctx.self, blob.userId, blob.fileId) !== undefined;
      // A blob with a fresh record is an upload in flight; its record's age decides above.
      if (!deleted && (hasRecord || now - blob.mtimeMs < ctx.settings.orphanGraceMs)) continue;
      await this.discard(blob.userId, blob.fileId, deleted ? 'deleted' : 'orphan');
    }
  }

  private async discard(userId: string, fileId: string, why: 'deleted' | 'orphan'): Promise<void> {
    const removed = await this.ctx.blobs.remove(userId, fileId);
    await this.ctx.catalog.clearOwnReplica(userId, fileId);
    if (why === 'deleted') this.stats.removed += removed ? 1 : 0;
    else this.stats.orphansRemoved += removed ? 1 : 0;
    if (removed) this.ctx.logger.info({ userId, fileId, why }, 'removed local replica');
  }

  private async localState(entry: FileEntry, verify: boolean): Promise<ReplicaState | 'missing'> {
    const stat = await this.ctx.blobs.stat(entry.ownerId, entry.fileId);
    if (!stat) return 'missing';
    if (stat.size !== entry.size) return 'corrupt';
    const record = this.ctx.catalog.replicaRecord(this.ctx.self, entry.ownerId, entry.fileId);
    if (record?.state === 'corrupt') return 'corrupt';
    if (!verify && record?.state === 'stored') return 'stored';
    const sha256 = await this.ctx.blobs.hash(entry.ownerId, entry.fileId);
    return sha256 === entry.sha256 ? 'stored' : 'corrupt';
  }

  /** Copies the file from the nearest peer with a stored replica; the write checks size and hash. */
  private async pull(entry: FileEntry): Promise<ReplicaState | 'missing'> {
    const { ctx } = this;
    const sources: NodeId[] = storedSourcesByDistance(ctx, entry.ownerId, entry.fileId);
    for (const source of sources) {
      try {
        const { stream } = await ctx.peers.getReplica(source, entry.ownerId, entry.fileId);
        await ctx.blobs.write(entry.ownerId, entry.fileId, stream, { expectedSize: entry.size, expectedSha256: entry.sha256 });
        // The file may have been deleted while it was being copied.
        if (!ctx.catalog.entry(entry.ownerId, entry.fileId)) {
          await ctx.blobs.remove(entry.ownerId, entry.fileId);
          return 'missing';
        }
        await ctx.catalog.setOwnReplica(entry.ownerId, entry.fileId, 'stored', entry.sha256);
        this.stats.pulled++;
        ctx.logger.info({ fileId: entry.fileId, source, size: entry.size }, 'replica repaired from peer');
        return 'stored';
      } catch (error) {
        this.stats.failedPulls++;
        ctx.logger.warn({ fileId: entry.fileId, source, err: error }, 'could not pull replica from peer');
      }
    }
    const record = ctx.catalog.replicaRecord(ctx.self, entry.ownerId, entry.fileId);
    return record?.state === 'corrupt' ? 'corrupt' : 'missing';
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.sweep();
    }, ms);
    this.timer.unref();
  }
}
