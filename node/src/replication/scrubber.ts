import { createHash } from 'node:crypto';
import type { Pace } from '../storage/throttle';
import type { Repairer } from './repairer';
import type { ReplicationContext } from './replicationContext';
import { TokenBucket } from './tokenBucket';

/** Blobs are read in 1 MiB pieces: the byte budget lets one through at once at least. */
const MIN_BURST_BYTES = 1024 * 1024;

/**
 * Re-reads every stored replica at a bounded pace and compares its hash with the index:
 * bit rot and tampering are found before a user needs the file. A mismatch marks the replica
 * `corrupt` (so reads avoid it) and hands it to the repairer. The pace is two budgets over the
 * whole pass, not per file: bytes per second (`scrubBytesPerSecond`) and files per second
 * (`scrubFilesPerSecond`), so a million small files are a trickle of opens, not a storm.
 */
export class Scrubber {
  private timer: NodeJS.Timeout | null = null;
  private abort = new AbortController();
  private running: Promise<void> | null = null;
  private readonly bytes: TokenBucket;
  private readonly files: TokenBucket;
  readonly stats = { passes: 0, checked: 0, corruptFound: 0, bytesRead: 0 };

  constructor(
    private readonly ctx: ReplicationContext,
    private readonly repairer: Pick<Repairer, 'requestRepair'>,
    opts: { pace?: Pace } = {},
  ) {
    const { scrubBytesPerSecond, scrubFilesPerSecond } = ctx.settings;
    this.bytes = new TokenBucket(scrubBytesPerSecond, { burst: Math.max(MIN_BURST_BYTES, scrubBytesPerSecond / 10), pace: opts.pace });
    this.files = new TokenBucket(scrubFilesPerSecond, { burst: Math.max(1, scrubFilesPerSecond / 10), pace: opts.pace });
  }

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
    const { signal } = this.abort;
    for await (const { userId, fileId, record } of ctx.catalog.walkOwnReplicas()) {
      if (signal.aborted) return;
      if (record.state !== 'stored') continue;
      const entry = ctx.catalog.entry(userId, fileId);
      if (!entry || entry.inline) continue;
      let sha256: string;
      try {
        await this.files.take(1, signal);
        sha256 = await this.hash(userId, fileId, signal);
      } catch (error) {
        if (signal.aborted) return;
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
        this.repairer.requestRepair(entry);
      }
    }
    this.stats.passes++;
  }

  /** SHA-256 of the local blob, its bytes taken from the pass's byte budget. */
  private async hash(userId: string, fileId: string, signal: AbortSignal): Promise<string> {
    const { stream } = await this.ctx.blobs.open(userId, fileId);
    const digest = createHash('sha256');
    try {
      for await (const chunk of this.bytes.meter(stream, signal)) digest.update(chunk);
    } finally {
      stream.destroy();
    }
    return digest.digest('hex');
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
