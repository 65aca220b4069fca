import type { Logger } from 'pino';
import type { NodeId } from '../gossip/frames';
import { fileEntrySchema } from '../api/files';
import { FILE_PREFIX, fileKey } from '../files/fileKeys';
import type { IndexValue } from '../index/replicatedIndex';
import { placeReplicas } from '../replication/placement';
import type { Counters } from '../store/counters';

const CHUNK = 256;

export interface ExpectedRecountDeps {
  self: NodeId;
  replicas: number;
  layoutVersion(): number;
  placementNodes(): readonly NodeId[];
  counters: Counters;
  entries(prefix: string, page: { after?: string; limit: number }): Array<[string, IndexValue]>;
  /** One store transaction: the counters written in it commit with it. */
  transaction<T>(fn: () => T): T;
  filesPerSecond: number;
  logger: Logger;
}

/**
 * `replicas.expected` (files this node should hold, for the status page's pending count) is
 * kept by the store as files come and go, under the layout of that moment; a new layout makes
 * it wrong. This counts it again under the new layout with a paced walk of the file entries,
 * a chunk per transaction, and sets it at the end together with the layout version it holds
 * for (`replicas.expectedLayout`), so that a restart mid-walk simply counts again. Changes the
 * store makes meanwhile to files already walked are added to the count (onExpectedChange);
 * files not walked yet are counted when the walk reaches them.
 */
export class ExpectedRecount {
  private cursor: string | null = null;
  private counted = 0;
  private version = -1;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly deps: ExpectedRecountDeps) {}

  /** The store's hook, called inside its transaction. */
  expectedChanged(userId: string, fileId: string, delta: number): void {
    if (this.cursor !== null && fileKey(userId, fileId) <= this.cursor) this.counted += delta;
  }

  /** Counts again if the count is not for the current layout; a recount under way starts over. */
  check(): void {
    if (this.stopped || this.deps.counters.get('replicas.expectedLayout') === this.deps.layoutVersion()) return;
    this.running ??= this.loop()
      .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'recount of expected replicas failed'))
      .finally(() => (this.running = null));
  }

  /** Resolves once no recount runs (tests). */
  async settled(): Promise<void> {
    await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async loop(): Promise<void> {
    const { deps } = this;
    while (!this.stopped && deps.counters.get('replicas.expectedLayout') !== deps.layoutVersion()) {
      this.version = deps.layoutVersion();
      this.cursor = '';
      this.counted = 0;
      const startedAt = Date.now();
      let walked = 0;
      for (;;) {
        if (this.stopped || this.version !== deps.layoutVersion()) break;
        const done = deps.transaction(() => {
          const page = deps.entries(FILE_PREFIX, { after: this.cursor || undefined, limit: CHUNK });
          const placement = deps.placementNodes();
          for (const [key, value] of page) {
            const entry = fileEntrySchema.safeParse(value);
            if (!entry.success || entry.data.inline || entry.data.deleted) continue;
            if (placeReplicas(entry.data.fileId, placement, deps.replicas).includes(deps.self)) this.counted++;
          }
          walked += page.length;
          if (page.length > 0) this.cursor = page.at(-1)![0];
          if (page.length === CHUNK) return false;
          deps.counters.set('replicas.expected', this.counted);
          deps.counters.set('replicas.expectedLayout', this.version);
          return true;
        });
        if (done) {
          deps.logger.info({ layoutVersion: this.version, expected: this.counted }, 'expected replicas counted under the new layout');
          break;
        }
        const wait = startedAt + (walked * 1000) / deps.filesPerSecond - Date.now();
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
      }
      this.cursor = null;
    }
  }
}
