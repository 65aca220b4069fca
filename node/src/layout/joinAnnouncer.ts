import type { Logger } from 'pino';
import type { NodeAddress } from '../api/layout';
import type { AddressBook } from './addressBook';
import type { LayoutClient } from './layoutClient';
import type { LayoutView } from './layoutService';

export interface JoinAnnouncerDeps {
  self: NodeAddress;
  /** Members to introduce ourselves to first (GEOVAULT_SEED or the node file's `seeds`). */
  seeds: ReadonlyArray<{ host: string; port: number }>;
  client: LayoutClient;
  addresses: AddressBook;
  layout: LayoutView;
  /** Between two rounds while this node is in no layout yet. */
  intervalMs: number;
  logger: Logger;
}

/**
 * A node that joins a running cluster (DESIGN §12): it introduces itself to a seed, learns
 * every member's address from the answer and introduces itself to each of them too, so that
 * they dial it back and SWIM takes over; nobody restarts. Until an admin adds it to the
 * layout, it says so again every round (a member restarted meanwhile would not know it yet);
 * from then on its address is in the layout, which every member keeps in its index.
 */
export class JoinAnnouncer {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private round: Promise<void> = Promise.resolve();
  /** For the status page and tests. */
  readonly stats = { rounds: 0, answered: 0, failed: 0 };

  constructor(private readonly deps: JoinAnnouncerDeps) {}

  start(): void {
    if (this.deps.seeds.length === 0) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.round;
  }

  private inLayout(): boolean {
    const node = this.deps.layout.current().nodes.find((n) => n.id === this.deps.self.id);
    return node?.state === 'active' || node?.state === 'draining';
  }

  private async announce(): Promise<void> {
    const { deps } = this;
    this.stats.rounds++;
    const targets = new Map<string, { host: string; port: number }>();
    for (const seed of deps.seeds) targets.set(`${seed.host}:${seed.port}`, seed);
    for (const peer of deps.addresses.all()) if (peer.id !== deps.self.id) targets.set(`${peer.host}:${peer.port}`, peer);
    let answered = 0;
    // Members learnt from one answer are told in the same round (a second pass over them).
    const told = new Set<string>();
    for (let pass = 0; pass < 2; pass++) {
      for (const [key, at] of targets) {
        if (told.has(key) || this.stopped) continue;
        told.add(key);
        try {
          const answer = await deps.client.join(at, deps.self);
          answered++;
          for (const node of answer.nodes) {
            deps.addresses.learn(node);
            if (node.id !== deps.self.id) targets.set(`${node.host}:${node.port}`, node);
          }
        } catch (error) {
          this.stats.failed++;
          deps.logger.debug({ at: key, err: error }, 'join not answered');
        }
      }
    }
    this.stats.answered += answered;
    if (answered > 0 && this.stats.answered === answered) {
      deps.logger.info({ members: deps.addresses.all().map((node) => node.id) }, 'joined the cluster by address; waiting to be added to the layout');
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.inLayout() && this.stats.answered > 0) {
        this.schedule(this.deps.intervalMs);
        return;
      }
      this.round = this.announce()
        .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'join round failed'))
        .finally(() => this.schedule(this.stats.answered > 0 ? this.deps.intervalMs : Math.min(this.deps.intervalMs, 1_000)));
    }, ms);
    this.timer.unref();
  }
}
