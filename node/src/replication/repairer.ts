import { setMaxListeners } from 'node:events';
import type { FileEntry, RepairResult, ReplicaState } from '../api/files';
import { fileKey } from '../files/fileKeys';
import type { NodeId } from '../gossip/frames';
import { expectedHolders, storedSourcesByDistance, type ReplicationContext } from './replicationContext';
import { throttle } from '../storage/throttle';
import { mayRemoveOrphan } from './orphanCheck';
import { RecentDeletions } from './recentDeletions';
import { RepairQueue } from './repairQueue';
import { TokenBucket } from './tokenBucket';

const FIRST_SWEEP_DELAY_MS = 5_000;
/** Files at least this big are pulled in a lane of their own (see largeFiles). */
const LARGE_FILE_BYTES = 1024 * 1024;
/** Files a quick pass looks at before it hands the ones it must pull to the queue. */
const QUICK_BATCH = 256;
/**
 * Repairs waiting at most (a hundred bytes or so each): a node missing more than this gets
 * the rest from later sweeps, which wait for room instead of dropping what they find.
 */
const MAX_WAITING = 100_000;
/** The byte budget lets a tenth of a second's worth through at once, and one link chunk at least. */
const MIN_BURST_BYTES = 256 * 1024;

/**
 * Keeps this node's disk equal to what the index says it should hold (DESIGN §6): pulls
 * missing or corrupt replicas from the nearest peer that has them (verifying size and hash),
 * removes blobs of deleted files, and sweeps orphans of uploads that never completed. A quick
 * pass looks at every file whose facts change; a full sweep on a timer compares everything,
 * so a node back from an outage heals unasked. Looking is cheap and paced; the pulls it finds
 * wait in a queue that runs `repairConcurrency` of them at once, the files with the fewest
 * stored copies first, all of them within one byte budget (`repairBytesPerSecond`).
 */
export class Repairer {
  private timer: NodeJS.Timeout | null = null;
  private quickTimer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  /** Quick passes run one after another, beside the sweep: they only look and queue. */
  private quick: Promise<void> = Promise.resolve();
  private stopped = false;
  private abort = this.newAbort();
  /** Files whose facts changed since the last quick pass: only these need a look right away. */
  private readonly dirty = new Map<string, { userId: string; fileId: string }>();
  private readonly deletions = new RecentDeletions();
  private readonly inFlight = new Map<string, Promise<ReplicaState | 'missing'>>();
  /**
   * Two lanes: small files cost a round trip each, large ones bandwidth. In one queue the
   * large files of a wiped node waited behind thousands of small ones (27 MB/s, against
   * 159 MB/s alone); in a lane of their own they use the bandwidth the small ones leave.
   */
  private readonly smallFiles: RepairQueue<{ userId: string; fileId: string }>;
  private readonly largeFiles: RepairQueue<{ userId: string; fileId: string }>;
  /** Bytes of every pull at once: a node catching up must not take the whole link or disk. */
  private readonly budget: TokenBucket;
  /** Figures for the status page. */
  readonly stats = { sweeps: 0, pulled: 0, removed: 0, orphansRemoved: 0, failedPulls: 0, linked: 0 };

  constructor(private readonly ctx: ReplicationContext) {
    const { repairConcurrency, repairBytesPerSecond } = ctx.settings;
    this.budget = new TokenBucket(repairBytesPerSecond, { burst: Math.max(MIN_BURST_BYTES, repairBytesPerSecond / 10) });
    const run = (file: { userId: string; fileId: string }) => this.repairQueued(file);
    this.smallFiles = new RepairQueue({ concurrency: repairConcurrency, maxWaiting: MAX_WAITING, run });
    this.largeFiles = new RepairQueue({ concurrency: Math.max(2, Math.ceil(repairConcurrency / 4)), maxWaiting: MAX_WAITING, run });
  }

  start(): void {
    this.stopped = false;
    if (this.abort.signal.aborted) this.abort = this.newAbort();
    // Not at once: a node that has just started has peers to greet and a loop to keep free.
    this.schedule(Math.min(this.ctx.settings.repairIntervalMs, FIRST_SWEEP_DELAY_MS));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    if (this.timer) clearTimeout(this.timer);
    if (this.quickTimer) clearTimeout(this.quickTimer);
    this.smallFiles.clear();
    this.largeFiles.clear();
    await this.quick;
    await this.running;
    await Promise.all([this.smallFiles.whenIdle(), this.largeFiles.whenIdle()]);
    await Promise.allSettled(this.inFlight.values());
  }

  /**
   * The facts of a file changed: look at that file soon. Coalesced, so a burst of uploads
   * costs one quick pass over the files it touched, not a full sweep per fact. `deleted`: the
   * change was the file's tombstone, remembered here (RecentDeletions) rather than asked of the
   * index later. A copy recorded after the delete nudges the file again, and goes too.
   */
  nudge(userId: string, fileId: string, deleted = false): void {
    if (this.stopped) return;
    const key = fileKey(userId, fileId);
    if (deleted) this.deletions.remember(key);
    this.dirty.set(key, { userId, fileId });
    if (this.quickTimer) return;
    this.quickTimer = setTimeout(() => {
      this.quickTimer = null;
      this.quick = this.quick
        .then(() => this.quickPass())
        .catch((error: unknown) => this.ctx.logger.error({ err: error }, 'quick repair pass failed'));
    }, 50);
    this.quickTimer.unref();
  }

  /** One full pass over the index and the disk; concurrent callers share it. */
  sweep(): Promise<void> {
    return this.exclusive(() => this.sweepOnce()).finally(() => this.schedule(this.ctx.settings.repairIntervalMs));
  }

  /**
   * Sweeps and removals never overlap: a sweep and a quick pass must not both remove one file.
   * Pulls need no such turn: the queue runs one job per file, and a pull shares `inFlight`.
   */
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

  /**
   * Looks at the files nudged since the last pass: the ones this node lacks go to the queue
   * (in batches, so that the fewest copies are pulled first among them), deleted ones are
   * discarded in an exclusive pass. Never waits for a sweep, which may take hours.
   */
  private async quickPass(): Promise<void> {
    const files = [...this.dirty.values()];
    this.dirty.clear();
    const lacking: FileEntry[] = [];
    const deleted: Array<{ userId: string; fileId: string }> = [];
    for (const { userId, fileId } of files) {
      if (this.stopped) return;
      const entry = this.ctx.catalog.entry(userId, fileId);
      if (entry) {
        if (await this.lacks(entry)) lacking.push(entry);
        if (lacking.length >= QUICK_BATCH) this.enqueue(lacking.splice(0));
      } else if (this.isDeleted(userId, fileId)) deleted.push({ userId, fileId });
    }
    this.enqueue(lacking);
    if (deleted.length === 0) return;
    void this.exclusive(async () => {
      for (const { userId, fileId } of deleted) {
        if (this.stopped) return;
        await this.discard(userId, fileId, 'deleted');
      }
    });
  }

  /** Deleted, as the index says while it keeps the tombstone, or as this node was told lately. */
  private isDeleted(userId: string, fileId: string): boolean {
    return this.deletions.has(fileKey(userId, fileId)) || this.ctx.catalog.isDeleted(userId, fileId);
  }

  /** True when this node should hold a blob of the file and has no stored, whole replica of it. */
  private async lacks(entry: FileEntry): Promise<boolean> {
    const { ctx } = this;
    // An inline file's bytes are in the index: anti-entropy is its repair.
    if (entry.inline || !expectedHolders(ctx, entry.fileId).includes(ctx.self)) return false;
    const record = ctx.catalog.replicaRecord(ctx.self, entry.ownerId, entry.fileId);
    if (record?.state !== 'stored') return true;
    const stat = await ctx.blobs.stat(entry.ownerId, entry.fileId);
    return stat?.size !== entry.size;
  }

  /**
   * Queues a repair of each file, ranked by the stored copies the cluster has of it (the
   * replica records the index holds). When the queue is full, a quick pass lets the file go
   * (the next sweep finds it).
   */
  private enqueue(entries: readonly FileEntry[]): void {
    for (const entry of entries) {
      const key = fileKey(entry.ownerId, entry.fileId);
      this.queueFor(entry).push(key, this.storedCopies(entry), { userId: entry.ownerId, fileId: entry.fileId });
    }
  }

  private queueFor(entry: FileEntry): RepairQueue<{ userId: string; fileId: string }> {
    return entry.size >= LARGE_FILE_BYTES ? this.largeFiles : this.smallFiles;
  }

  /** Pulls waiting or running (the rebalance progress on the status page). */
  get backlog(): number {
    return this.smallFiles.size + this.smallFiles.active + this.largeFiles.size + this.largeFiles.active;
  }

  /** Queues a repair of a replica found bad (the scrubber's hand-off). */
  requestRepair(entry: FileEntry): void {
    this.enqueue([entry]);
  }

  /**
   * Stored copies on the other nodes, as their records say. This node's own record is left out:
   * the file is queued because this node lacks it, whatever its record (a wiped node gets its
   * old `stored` records back from its peers) says.
   */
  private storedCopies(entry: FileEntry): number {
    const { ctx } = this;
    return ctx.allNodes.filter((node) => node !== ctx.self && ctx.catalog.replicaRecord(node, entry.ownerId, entry.fileId)?.state === 'stored').length;
  }

  /** One queued repair: the file is looked at again, as it may have changed while it waited. */
  private async repairQueued({ userId, fileId }: { userId: string; fileId: string }): Promise<void> {
    if (this.stopped) return;
    const entry = this.ctx.catalog.entry(userId, fileId);
    try {
      if (entry && (await this.lacks(entry))) await this.ensureLocal(entry);
    } catch (error) {
      if (!this.abort.signal.aborted) this.ctx.logger.warn({ fileId, err: error }, 'repair of a replica failed');
    }
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
    // Looking is paced; pulling is not: what the sweep finds waits in the queue (and the
    // sweep waits for room in it, rather than let a file go).
    for await (const entry of throttle(ctx.catalog.walkEntries(), ctx.settings.repairSweepFilesPerSecond)) {
      if (this.stopped) return;
      if (!(await this.lacks(entry))) continue;
      await this.queueFor(entry).whenRoom();
      this.enqueue([entry]);
    }

    // Records and blobs of files that are gone (deleted) or never became files (orphans).
    const now = Date.now();
    for await (const { userId, fileId, record } of ctx.catalog.walkOwnReplicas()) {
      if (this.stopped) return;
      if (ctx.catalog.entry(userId, fileId)) continue;
      const deleted = this.isDeleted(userId, fileId);
      if (!deleted && now - Date.parse(record.at) < ctx.settings.orphanGraceMs) continue;
      if (!deleted && !(await mayRemoveOrphan(ctx, userId, fileId))) continue;
      await this.discard(userId, fileId, deleted ? 'deleted' : 'orphan');
    }
    for await (const blob of ctx.blobs.list()) {
      if (this.stopped) return;
      const entry = ctx.catalog.entry(blob.userId, blob.fileId);
      if (entry) {
        if (now - blob.mtimeMs >= ctx.settings.orphanGraceMs) await this.adoptUnrecorded(entry);
        continue;
      }
      const deleted = this.isDeleted(blob.userId, blob.fileId);
      const hasRecord = ctx.catalog.replicaRecord(ctx.self, blob.userId, blob.fileId) !== undefined;
      // A blob with a fresh record is an upload in flight; its record's age decides above.
      if (!deleted && (hasRecord || now - blob.mtimeMs < ctx.settings.orphanGraceMs)) continue;
      if (!deleted && !(await mayRemoveOrphan(ctx, blob.userId, blob.fileId))) continue;
      await this.discard(blob.userId, blob.fileId, deleted ? 'deleted' : 'orphan');
    }
  }

  /**
   * A whole copy of a live file, on a node the layout no longer places it on, with no record
   * here: its record was never written (the node died between the write and the record). The
   * rebalancer walks records, so it is recorded, and moved like any other copy; a copy that
   * is not whole is removed. Copies on nodes that hold the file are `lacks`'s business.
   */
  private async adoptUnrecorded(entry: FileEntry): Promise<void> {
    const { ctx } = this;
    if (entry.inline || ctx.catalog.replicaRecord(ctx.self, entry.ownerId, entry.fileId) !== undefined) return;
    if (expectedHolders(ctx, entry.fileId).includes(ctx.self)) return;
    if ((await this.localState(entry, true)) === 'stored') {
      await ctx.catalog.setOwnReplica(entry.ownerId, entry.fileId, 'stored', { sha256: entry.sha256, size: entry.size });
      ctx.logger.info({ userId: entry.ownerId, fileId: entry.fileId }, 'recorded an unrecorded copy the layout placed elsewhere; the rebalancer moves it');
    } else await this.discard(entry.ownerId, entry.fileId, 'orphan');
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

  /**
   * Copies the file from the nearest peer with a stored replica; the write checks size and hash.
   * A copy of a file (`copiedFrom`) is first linked to the original's blob here, if this node
   * holds it whole: the same bytes, none sent over the WAN (DESIGN §5).
   */
  private async pull(entry: FileEntry): Promise<ReplicaState | 'missing'> {
    const { ctx } = this;
    const { signal } = this.abort;
    if (entry.copiedFrom !== undefined && (await this.linkOriginal(entry))) return 'stored';
    const sources: NodeId[] = storedSourcesByDistance(ctx, entry.ownerId, entry.fileId);
    for (const source of sources) {
      if (signal.aborted) break;
      try {
        const { stream } = await ctx.peers.getReplica(source, entry.ownerId, entry.fileId, undefined, signal);
        const metered = this.budget.meter(stream, signal);
        await ctx.blobs.write(entry.ownerId, entry.fileId, metered, { expectedSize: entry.size, expectedSha256: entry.sha256, signal });
        // The file may have been deleted while it was being copied.
        if (!ctx.catalog.entry(entry.ownerId, entry.fileId)) {
          await ctx.blobs.remove(entry.ownerId, entry.fileId);
          return 'missing';
        }
        await ctx.catalog.setOwnReplica(entry.ownerId, entry.fileId, 'stored', { sha256: entry.sha256, size: entry.size });
        // ... or while its record was being written (a discard may have cleared it just before).
        if (!ctx.catalog.entry(entry.ownerId, entry.fileId)) {
          await ctx.blobs.remove(entry.ownerId, entry.fileId);
          await ctx.catalog.clearOwnReplica(entry.ownerId, entry.fileId);
          return 'missing';
        }
        this.stats.pulled++;
        ctx.activity({ from: source, to: ctx.self, action: 'repair', fileId: entry.fileId, bytes: entry.size });
        ctx.logger.info({ fileId: entry.fileId, source, size: entry.size }, 'replica repaired from peer');
        return 'stored';
      } catch (error) {
        if (signal.aborted) break;
        this.stats.failedPulls++;
        ctx.logger.warn({ fileId: entry.fileId, source, err: error }, 'could not pull replica from peer');
      }
    }
    const record = ctx.catalog.replicaRecord(ctx.self, entry.ownerId, entry.fileId);
    return record?.state === 'corrupt' ? 'corrupt' : 'missing';
  }

  private async linkOriginal(entry: FileEntry): Promise<boolean> {
    const { ctx } = this;
    const original = entry.copiedFrom!;
    const record = ctx.catalog.replicaRecord(ctx.self, entry.ownerId, original);
    // Only a replica this node has verified as the same bytes: the copy's hash must hold.
    if (record?.state !== 'stored' || record.sha256 !== entry.sha256) return false;
    if (!(await ctx.blobs.link(entry.ownerId, original, entry.fileId))) return false;
    const stat = await ctx.blobs.stat(entry.ownerId, entry.fileId);
    if (stat?.size !== entry.size || !ctx.catalog.entry(entry.ownerId, entry.fileId)) {
      await ctx.blobs.remove(entry.ownerId, entry.fileId);
      return false;
    }
    await ctx.catalog.setOwnReplica(entry.ownerId, entry.fileId, 'stored', { sha256: entry.sha256, size: entry.size });
    this.stats.linked++;
    return true;
  }

  /** Every pull in flight listens to it (request, write, budget): as many listeners as pulls, none left behind. */
  private newAbort(): AbortController {
    const controller = new AbortController();
    setMaxListeners(0, controller.signal);
    return controller;
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
