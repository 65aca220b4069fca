import type { Logger } from 'pino';
import type { NodeId } from '../gossip/frames';
import { AppError } from '../http/errors';
import { quotaOwners } from '../replication/quotaAuthority';
import { PeriodicTask } from '../runtime/periodicTask';
import { yieldToEventLoop } from '../runtime/yieldToEventLoop';
import type { TreeQueries } from '../store/treeQueries';
import { thinVersions, versionBudget } from './versionThinning';

/** Rows read per step; the loop yields between steps. */
const PAGE = 100;

export interface HousekeepingDeps {
  self: NodeId;
  liveNodes: () => NodeId[];
  queries: Pick<TreeQueries, 'expiredTrash' | 'versionedItems' | 'versions'>;
  tree: {
    trash: { purge(userId: string, itemId: string): Promise<number> };
    versions: { thin(userId: string, itemId: string, fileIds: readonly string[]): Promise<number> };
    usage(userId: string): { used: number; limit: number };
  };
  /** Bytes of a user's older versions (the quota's counter). */
  versionBytes: (userId: string) => number;
  retentionMs: number;
  intervalMs: number;
  clock: () => number;
  logger: Logger;
}

/**
 * The trash's purge and the thinning of versions (DESIGN §5), in the background. Each user's is
 * done by one node, the user's quota owner (quotaOwners), so that every region sees each purge
 * once, written once, and learns it by gossip; a purge or thinning that two owners did during a
 * handover writes the same tombstones twice, which changes nothing. Work is found from indexes
 * (trash items by deletion time, files with older versions), a page at a time.
 */
export class Housekeeping extends PeriodicTask {
  private readonly stats = { runs: 0, trashPurged: 0, versionsThinned: 0 };

  constructor(private readonly deps: HousekeepingDeps) {
    super({ intervalMs: deps.intervalMs, logger: deps.logger, what: 'housekeeping pass' });
  }

  summary(): { runs: number; trashPurged: number; versionsThinned: number } {
    return { ...this.stats };
  }

  private owns(userId: string): boolean {
    return quotaOwners(userId, this.deps.liveNodes())[0] === this.deps.self;
  }

  protected async pass(): Promise<void> {
    this.stats.runs++;
    await this.purgeExpired();
    await this.thinAll();
  }

  private async purgeExpired(): Promise<void> {
    const { deps } = this;
    const before = deps.clock() - deps.retentionMs;
    let after: { trashedAt: number; userId: string; itemId: string } | undefined;
    for (;;) {
      const rows = deps.queries.expiredTrash(before, after, PAGE);
      for (const row of rows) {
        if (this.stopped) return;
        if (!this.owns(row.userId)) continue;
        try {
          const files = await deps.tree.trash.purge(row.userId, row.itemId);
          this.stats.trashPurged++;
          deps.logger.info({ userId: row.userId, itemId: row.itemId, files, deletedAt: new Date(row.trashedAt).toISOString() }, 'purged from the trash after the retention period');
        } catch (error) {
          // Restored or purged meanwhile.
          if (!(error instanceof AppError && error.code === 'not_found')) throw error;
        }
      }
      if (rows.length < PAGE) return;
      after = rows.at(-1)!;
      await yieldToEventLoop();
    }
  }

  private async thinAll(): Promise<void> {
    const { deps } = this;
    const now = deps.clock();
    // What each user's older versions may still take in this pass, as they are thinned.
    const budgets = new Map<string, number>();
    let after: { userId: string; itemId: string } | undefined;
    for (;;) {
      const items = deps.queries.versionedItems(after, PAGE);
      for (const { userId, itemId } of items) {
        if (this.stopped) return;
        if (!this.owns(userId)) continue;
        let budget = budgets.get(userId);
        if (budget === undefined) {
          const usage = deps.tree.usage(userId);
          const versionBytes = deps.versionBytes(userId);
          // The user's budget less the older versions of the user's other files.
          budget = versionBudget({ ...usage, versionBytes });
          budgets.set(userId, budget);
        }
        const versions = deps.queries.versions(userId, itemId).map((version) => ({ fileId: version.fileId, at: Date.parse(version.at), size: version.size }));
        const olderBytes = versions.slice(1).reduce((sum, version) => sum + version.size, 0);
        const othersBytes = Math.max(0, deps.versionBytes(userId) - olderBytes);
        const { remove, keptBytes } = thinVersions(versions, now, Math.max(0, budget - othersBytes));
        if (remove.length > 0) {
          const thinned = await deps.tree.versions.thin(userId, itemId, remove);
          this.stats.versionsThinned += thinned;
          deps.logger.info({ userId, itemId, thinned, keptBytes }, 'thinned older versions');
        }
      }
      if (items.length < PAGE) return;
      after = items.at(-1)!;
      await yieldToEventLoop();
    }
  }
}
