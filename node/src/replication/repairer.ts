import type { FileEntry, RepairResult, ReplicaState } from '../api/files';
import { fileKey } from '../files/fileKeys';
import type { NodeId } from '../gossip/frames';
import { expectedHolders, storedSourcesByDistance, type ReplicationContext } from './replicationContext';
import { throttle } from '../storage/throttle';
import { mayRemoveOrphan } from './orphanCheck';

const FIRST_SWEEP_DELAY_MS = 5_000;

/**
 * Keeps this node's disk equal to what the index says it should hold (DESIGN §5): pulls
 * missing or corrupt replicas from the nearest peer that has them (verifying size and hash),
 * removes blobs of deleted files, and sweeps orphans of uploads that never completed. A quick
 * pass looks at every file whose facts change; a full sweep on a timer compares everything,
 * so a node back from an outage heals unasked.
 */
export class Repairer {
  private timer: NodeJS.Timeout | null = null;
  private quickTimer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  /** Files whose facts changed since the last quick pass: only these need a look right away. */
  private readonly dirty = new Map<string, { userId: string; fileId: string }>();
  private readonly inFlight = new Map<string, Promise<ReplicaState | 'missing'>>();
  /** Figures for the status page. */
  readonly stats = { sweeps: 0, pulled: 0, removed: 0, orphansRemoved: 0, failedPulls: 0 };

  constructor(private readonly ctx: ReplicationContext) {}

  start(): void {
    this.stopped = false;
    // Not at once: a node that has just started has peers to greet and a loop to keep free.
    this.schedule(Math.min(this.ctx.settings.repairIntervalMs, FIRST_SWEEP_DELAY_MS));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.quickTimer) clearTimeout(this.quickTimer);
    await this.running;
    await Promise.allSettled(this.inFlight.values());
  }

  /**
   * The facts of a file changed: look at that file soon. Coalesced, so a burst of uploads
   * costs one quick pass over the files it touched, not a full sweep per fact.
   */
  nudge(userId: string, fileId: string): void {
    if (this.stopped) return;
    this.dirty.set(fileKey(userId, fileId), { userId, fileId });
    if (this.quickTimer) return;
    this.quickTimer = setTimeout(() => {
      this.quickTimer = null;
      void this.exclusive(() => this.quickPass());
    }, 50);
    this.quickTimer.unref();
  }

  /** One full pass over the index and the disk; concurrent callers share it. */
  sweep(): Promise<void> {
    return this.exclusive(() => this.sweepOnce()).finally(() => this.schedule(this.ctx.settings.repairIntervalMs));
  }

  /** Passes never overlap: a quick pass and a sweep must not both pull or remove one file. */
  private exclusive(pass: () => Promise<void>): Promise<void> {
    const previous = this.running ?? Promise.resolve();
    const next = previous
      .then(pass)
      .catch((error: unknown) => this.ctx.logger.error({ err: error }, 'repair pass failed'))
      .finally(() => {
        if (this.running === next) this.running = null;
      });
    this.running = next;
    return next;
  }

  private async quickPass(): Promise<void> {
    const files = [...this.dirty.values()];
    this.dirty.clear();
    for (const { userId, fileId } of files) {
      if (this.stopped) return;
      const entry = this.ctx.catalog.entry(userId, fileId);
      if (entry) await this.checkEntry(entry);
      else if (this.ctx.catalog.isDeleted(userId, fileId)) await this.discard(userId, fileId, 'deleted');
    }
  }

  /** Pulls the file unless this node already holds a stored, whole replica of it. */
  private async checkEntry(entry: FileEntry): Promise<void> {
    const { ctx } = this;
    // An inline file's bytes are in the index: anti-entropy is its repair.
    if (entry.inline || !expectedHolders(ctx, entry.fileId).includes(ctx.self)) return;
    const record = ctx.catalog.replicaRecord(ctx.self, entry.ownerId, entry.fileId);
    const stat = await ctx.blobs.stat(entry.ownerId, entry.fileId);
    if (record?.state === 'stored' && stat?.size === entry.size) return;
    await this.ensureLocal(entry);
  }

  /**
   * Makes sure this node holds a good copy of the file: optionally re-hashes the local blob
   * first (verify), and pulls a fresh copy when it is missing, short or corrupt.
   */
  async ensureLocal(entry: FileEntry, opts: { verify?: boolean } = {}): Promise<RepairResult> {
    const key = fileKey(entry.ownerId, entry.fileId);
    const before = await this.localState(entry, opts.verify ?? false);
    if (before === 'stored') {
      await this.ctx.catalog.setOwnReplica(entry.ownerId, entry.fileId, 'stored', { sha256: entry.sha256, size: entry.size });
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
    for await (const entry of throttle(ctx.catalog.walkEntries(), ctx.settings.repairSweepFilesPerSecond)) {
      if (this.stopped) return;
      await this.checkEntry(entry);
    }

    // Records and blobs of files that are gone (deleted) or never became files (orphans).
    const now = Date.now();
    for await (const { userId, fileId, record } of ctx.catalog.walkOwnReplicas()) {
      if (this.stopped) return;
      if (ctx.catalog.entry(userId, fileId)) continue;
      const deleted = ctx.catalog.isDeleted(userId, fileId);
      if (!deleted && now - Date.parse(record.at) < ctx.settings.orphanGraceMs) continue;
      if (!deleted && !(await mayRemoveOrphan(ctx, userId, fileId))) continue;
      await this.discard(userId, fileId, deleted ? 'deleted' : 'orphan');
    }
    for await (const blob of ctx.blobs.list()) {
      if (this.stopped) return;
      if (ctx.catalog.entry(blob.userId, blob.fileId)) continue;
      const deleted = ctx.catalog.isDeleted(blob.userId, blob.fileId);
      const hasRecord = ctx.catalog.replicaRecord(ctx.self, blob.userId, blob.fileId) !== undefined;
      // A blob with a fresh record is an upload in flight; its record's age decides above.
      if (!deleted && (hasRecord || now - blob.mtimeMs < ctx.settings.orphanGraceMs)) continue;
      if (!deleted && !(await mayRemoveOrphan(ctx, blob.userId, blob.fileId))) continue;
      await this.discard(blob.userId, blob.fileId, deleted ? 'deleted' : 'orphan');
    }
  }

  private async discard(userId: string, fileId: string, why: 'deleted' | 'orphan'): Promise<void> {
    const removed = await this.ctx.blobs.remove(userId, fileId);
    await this.ctx.catalog.clearOwnReplica(userId, fileId);
    if (why === 'deleted') this.stats.removed += removed ? 1 : 0;
    else this.stats.orphansRemoved += removed ? 1 : 0;
    if (removed) {
      this.ctx.logger.info({ userId, fileId, why }, 'removed local replica');
      this.ctx.activity({ from: this.ctx.self, to: this.ctx.self, action: 'remove', fileId, bytes: 0 });
    }
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
        await ctx.catalog.setOwnReplica(entry.ownerId, entry.fileId, 'stored', { sha256: entry.sha256, size: entry.size });
        this.stats.pulled++;
        ctx.activity({ from: source, to: ctx.self, action: 'repair', fileId: entry.fileId, bytes: entry.size });
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
