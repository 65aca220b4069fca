import type { Logger } from 'pino';
import type { Digest, Fact, NodeId } from '../gossip/frames';
import type { Clock, TimerHandle } from '../time/clock';
import type { IndexValue, ReplicatedIndex } from './replicatedIndex';

/** What the committer needs of the store under the index. */
export interface Durability {
  /** Runs `fn` as one transaction: all of its writes, or none when it throws. */
  transaction<T>(fn: () => T): T;
  /**
   * Resolves once everything committed so far is on stable storage (fdatasync). Absent for
   * a store in memory: each change is then committed as it is submitted.
   */
  sync?(): Promise<void>;
  /** Upkeep that must run with no commit beside it; resolves when done, or undefined when there is none. */
  beforeBatch?(): Promise<void> | undefined;
}

/** For indexes kept in memory only (simulations, unit tests): nothing to wait for. */
export const IN_MEMORY: Durability = { transaction: (fn) => fn() };

export type IndexWork =
  | { kind: 'write'; entries: Array<{ key: string; value: IndexValue | null }> }
  | { kind: 'delta'; facts: readonly Fact[]; upTo?: Digest }
  | { kind: 'gc'; peerDigests: ReadonlyMap<NodeId, Digest>; members: readonly NodeId[] };

export interface CommitResult {
  /** Own facts made by a write, in the order asked. */
  facts: Fact[];
  /** Facts that won their key and still do after the batch: what listeners hear of. */
  winners: Fact[];
  collected: number;
}

/** The node cannot store index changes right now (disk full, I/O error): answered with 507. */
export class IndexUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(`This node cannot store changes right now: ${reason}`);
    this.name = 'IndexUnavailableError';
  }
}

export interface IndexHealth {
  writable: boolean;
  /** Why writes are refused, while they are. */
  reason?: string;
  since?: string;
}

interface Queued {
  work: IndexWork;
  resolve: (result: CommitResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for the replicated index (DESIGN §4, durable before visible). Every change,
 * local or from a peer, is queued; whatever queued while the previous batch was on its way
 * to disk becomes one transaction and one fdatasync. Only then are the batch's promises
 * resolved and the durable digest raised, which is what gates acknowledgements, pushes and
 * the digest peers see. A batch whose transaction fails changes nothing, in the store or in
 * memory; a disk error turns writes away until a probe write succeeds again.
 */
export class IndexCommitter {
  private queue: Queued[] = [];
  private flushing = false;
  private failure: { reason: string; since: number } | null = null;
  /** Own facts committed by a batch whose fdatasync failed: they may be on disk or not. */
  private uncertain: Fact[] = [];
  private probeTimer: TimerHandle | null = null;
  private closed = false;
  readonly stats = { batches: 0, changes: 0, failedBatches: 0 };

  constructor(
    private readonly index: ReplicatedIndex,
    private readonly durability: Durability,
    private readonly deps: { clock: Clock; logger: Logger; probeIntervalMs?: number },
  ) {}

  submit(work: IndexWork): Promise<CommitResult> {
    if (this.closed) return Promise.reject(new Error('the index is closed'));
    if (this.failure) return Promise.reject(new IndexUnavailableError(this.failure.reason));
    if (!this.durability.sync) {
      // In memory a change is applied before submit returns, as protocol tests expect.
      return new Promise((resolve, reject) => void this.commitBatch([{ work, resolve, reject }]));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ work, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        // Everything submitted in this turn of the event loop joins the first batch.
        setImmediate(() => void this.flushLoop());
      }
    });
  }

  get health(): IndexHealth {
    if (!this.failure) return { writable: true };
    return { writable: false, reason: this.failure.reason, since: new Date(this.failure.since).toISOString() };
  }

  /** Waits for queued batches, then refuses new work. */
  async close(): Promise<void> {
    while (this.flushing) await new Promise((resolve) => setImmediate(resolve));
    this.closed = true;
    if (this.probeTimer) this.deps.clock.clearTimeout(this.probeTimer);
  }

  private async flushLoop(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0);
      if (this.failure) {
        for (const queued of batch) queued.reject(new IndexUnavailableError(this.failure.reason));
        continue;
      }
      const upkeep = this.durability.beforeBatch?.();
      if (upkeep) await upkeep;
      await this.commitBatch(batch);
    }
    this.flushing = false;
  }

  private async commitBatch(batch: Queued[]): Promise<void> {
    const checkpoint = this.index.checkpoint();
    let results: CommitResult[];
    try {
      results = this.durability.transaction(() => {
        const out = batch.map(({ work }) => this.run(work));
        this.index.saveState();
        return out;
      });
    } catch (error) {
      this.index.rollback(checkpoint);
      this.stats.failedBatches++;
      if (isDiskError(error)) this.fail(error);
      for (const queued of batch) queued.reject(this.failure ? new IndexUnavailableError(this.failure.reason) : error);
      return;
    }
    const committed = this.index.committedDigest();
    try {
      if (this.durability.sync) await this.durability.sync();
    } catch (error) {
      // Committed but perhaps not on disk: none of it may be acknowledged or vouched for.
      // What this node wrote itself is withdrawn once the disk works again (see probe).
      this.uncertain.push(...results.flatMap((result) => result.facts));
      this.stats.failedBatches++;
      this.fail(error);
      for (const queued of batch) queued.reject(new IndexUnavailableError(this.failure!.reason));
      return;
    }
    this.index.markDurable(committed);
    this.stats.batches++;
    batch.forEach((queued, i) => {
      const result = results[i]!;
      // A later change in the same batch may have overwritten this one.
      result.winners = result.winners.filter((fact) => this.index.isWinner(fact));
      this.stats.changes += result.winners.length;
      queued.resolve(result);
    });
  }

  private run(work: IndexWork): CommitResult {
    if (work.kind === 'write') {
      const facts = work.entries.map(({ key, value }) => (value === null ? this.index.remove(key) : this.index.put(key, value)));
      return { facts, winners: [...facts], collected: 0 };
    }
    if (work.kind === 'delta') {
      const winners = this.index.apply(work.facts);
      if (work.upTo && Object.keys(work.upTo).length > 0) this.index.advance(work.upTo);
      return { facts: [], winners, collected: 0 };
    }
    return { facts: [], winners: [], collected: this.index.collectTombstones(work.peerDigests, work.members) };
  }

  private fail(error: unknown): void {
    const reason = describeDiskError(error);
    if (!this.failure) {
      this.failure = { reason, since: this.deps.clock.now() };
      this.deps.logger.error({ err: error, reason }, 'index writes refused until the disk accepts them again');
    }
    this.scheduleProbe();
  }

  private scheduleProbe(): void {
    if (this.probeTimer || this.closed) return;
    this.probeTimer = this.deps.clock.setTimeout(() => {
      this.probeTimer = null;
      void this.probe();
    }, this.deps.probeIntervalMs ?? 1_000);
  }

  /**
   * Tries a write; on success the node takes writes again. Own facts of a batch whose sync
   * failed are withdrawn in that same write: their callers were told the change failed, so
   * it must not appear later.
   */
  private async probe(): Promise<void> {
    if (!this.failure || this.flushing) {
      if (this.failure) this.scheduleProbe();
      return;
    }
    this.flushing = true;
    const checkpoint = this.index.checkpoint();
    try {
      this.durability.transaction(() => {
        for (const fact of this.uncertain) if (this.index.isWinner(fact)) this.index.remove(fact.key);
        this.index.saveState();
      });
      await this.durability.sync?.();
    } catch {
      this.index.rollback(checkpoint);
      this.flushing = false;
      this.scheduleProbe();
      return;
    }
    this.index.markDurable(this.index.committedDigest());
    this.deps.logger.info({ down: this.failure.reason, withdrawn: this.uncertain.length }, 'index accepts writes again');
    this.uncertain = [];
    this.failure = null;
    this.flushing = false;
    if (this.queue.length > 0) {
      this.flushing = true;
      void this.flushLoop();
    }
  }
}

/** Errors of the disk rather than of the change: they stop writes until a probe succeeds. */
function isDiskError(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code ?? '';
  return code.startsWith('SQLITE_') || ['ENOSPC', 'EIO', 'EROFS', 'EDQUOT'].includes(code);
}

/** A short, user-facing reason for a failed index write. */
function describeDiskError(error: unknown): string {
  const code = (error as { code?: string } | undefined)?.code ?? '';
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return 'disk full';
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO') return 'disk I/O error';
  if (code === 'SQLITE_READONLY' || code === 'EROFS') return 'disk read-only';
  return error instanceof Error ? error.message : String(error);
}
