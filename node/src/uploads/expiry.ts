import type { Logger } from 'pino';
import { PeriodicTask } from '../runtime/periodicTask';
import { yieldToEventLoop } from '../runtime/yieldToEventLoop';
import type { PartialRecord } from './resumableRecords';

/** Records read per step; the loop yields between steps. */
const PAGE = 100;

export interface UploadExpiryDeps {
  /** Records past their expiry, in expiry order, a page at a time (an index range). */
  expired(now: number, limit: number, after?: { expiresAt: number; uploadId: string }): PartialRecord[];
  /** Whether a coordinator is writing the upload here right now. */
  isBeingWritten(uploadId: string): boolean;
  remove(userId: string, uploadId: string): Promise<unknown>;
  /** Ends the upload's quota reservation (at every live node: its owner may have changed). */
  release(userId: string, uploadId: string): void;
  clock: () => number;
  intervalMs: number;
  logger: Logger;
}

/**
 * Pure: of the records past their expiry, those to remove now. One being written is left for
 * the next pass (its PATCH fails once it is gone anyway, and it will be expired then); a
 * completed one only loses its record (the file is committed), and its reservation is long gone.
 */
export function selectExpired(records: readonly PartialRecord[], now: number, isBeingWritten: (uploadId: string) => boolean): Array<{ record: PartialRecord; release: boolean }> {
  return records
    .filter((record) => record.expiresAt <= now && !isBeingWritten(record.uploadId))
    .map((record) => ({ record, release: record.state !== 'completed' }));
}

/**
 * Every holder removes its uploads past `expiresAt` (GEOVAULT_UPLOAD_EXPIRY_MS after their
 * creation): partial, tail and record, and releases their reservation. Each holder does it for
 * itself, so one that was down during a DELETE does not keep the bytes for ever.
 */
export class UploadExpiry extends PeriodicTask {
  readonly stats = { runs: 0, expired: 0 };

  constructor(private readonly deps: UploadExpiryDeps) {
    super({ intervalMs: deps.intervalMs, logger: deps.logger, what: 'upload expiry pass' });
  }

  protected async pass(): Promise<void> {
    const { deps } = this;
    this.stats.runs++;
    const now = deps.clock();
    let after: { expiresAt: number; uploadId: string } | undefined;
    for (;;) {
      const page = deps.expired(now, PAGE, after);
      for (const { record, release } of selectExpired(page, now, (id) => deps.isBeingWritten(id))) {
        if (this.stopped) return;
        await deps.remove(record.userId, record.uploadId);
        if (release) deps.release(record.userId, record.uploadId);
        this.stats.expired++;
        deps.logger.info({ userId: record.userId, uploadId: record.uploadId, offset: record.offset, length: record.length, state: record.state }, 'resumable upload expired');
      }
      if (page.length < PAGE) return;
      after = { expiresAt: page.at(-1)!.expiresAt, uploadId: page.at(-1)!.uploadId };
      await yieldToEventLoop();
    }
  }
}

/** How often to look: often enough that an upload outlives its expiry by a fraction of it at most. */
export function expiryIntervalMs(expiryMs: number): number {
  return Math.min(60_000, Math.max(500, Math.floor(expiryMs / 4)));
}
