import type { Repairer } from './repairer';
import type { ReplicationContext } from './replicationContext';

/**
 * Re-reads every stored replica at a bounded pace and compares its hash with the index:
 * bit rot and tampering are found before a user needs the file. A mismatch marks the replica
 * `corrupt` (so reads avoid it) and hands it to the repairer.
 */
export class Scrubber {
  private timer: NodeJS.Timeout | null = null;
  private abort = new AbortController();
  private running: Promise<void> | null = null;
  readonly stats = { passes: 0, checked: 0, corruptFound: 0, bytesRead: 0 };

  constructor(
    private readonly ctx: ReplicationContext,
    private readonly repairer: Repairer,
  ) {}

  start(): void {
    this.abort = new AbortController();
    this.schedule(this.ctx.settings.scrubIntervalMs);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass over every replica this node holds as stored. */
  async pass(): Promise<void> {
    const { ctx } = this;
    for await (const { userId, fileId, record } of ctx.catalog.walkOwnReplicas()) {
      if (this.abort.signal.aborted) return;
      if (record.state !== 'stored') continue;
      const entry = ctx.catalog.entry(userId, fileId);
      if (!entry) continue;
      let sha256: string;
      try {
        sha256 = await ctx.blobs.hash(userId, fileId, { bytesPerSecond: ctx.settings.scrubBytesPerSecond, signal: this.abort.signal });
      } catch (error) {
        if (this.abort.signal.aborted) return;
        // A blob that vanished under a stored record is as bad as a corrupt one.
        sha256 = '';
        ctx.logger.warn({ fileId, err: error }, 'scrubber could not read a replica');
      }
      this.stats.checked++;
      this.stats.bytesRead += entry.size;
      // The file may have been deleted or replaced while it was being read.
      if (ctx.catalog.entry(userId, fileId)?.sha256 !== entry.sha256) continue;
      if (sha256 !== entry.sha256) {
        this.stats.corruptFound++;
        ctx.logger.error({ userId, fileId, expected: entry.sha256, found: sha256 || 'unreadable' }, 'scrubber found a corrupt replica');
        await ctx.catalog.setOwnReplica(userId, fileId, 'corrupt');
        void this.repairer.ensureLocal(entry);
      }
    }
    this.stats.passes++;
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.running = this.pass()
        .catch((error: unknown) => this.ctx.logger.error({ err: error }, 'scrub pass failed'))
        .finally(() => {
          this.running = null;
          if (!this.abort.signal.aborted) this.schedule(this.ctx.settings.scrubIntervalMs);
        });
    }, ms);
    this.timer.unref();
  }
}
