import type { NodeCluster } from '../../test/support/nodeCluster';

/**
 * The worst event-loop delay each node reported while this watch ran: `/v1/status` keeps the
 * figures of its last complete 10 s window (runtime/eventLoopMonitor.ts), so asking every 2 s
 * sees every window. A stall is a bug (DESIGN §3): peers suspect a node that does not answer.
 */
export class EventLoopWatch {
  private readonly maxMs = new Map<string, number>();
  private running = true;
  private readonly loop: Promise<void>;

  constructor(private readonly cluster: NodeCluster) {
    this.loop = this.poll();
  }

  /** Stops asking; the worst delay per node, in ms. */
  async stop(): Promise<Record<string, number>> {
    this.running = false;
    await this.loop;
    return Object.fromEntries([...this.maxMs].map(([id, ms]) => [id, Math.round(ms)]));
  }

  private async poll(): Promise<void> {
    while (this.running) {
      await Promise.all(
        this.cluster.ids.map(async (id) => {
          const status = await this.cluster.status(id).catch(() => undefined);
          if (status) this.maxMs.set(id, Math.max(this.maxMs.get(id) ?? 0, status.eventLoop.maxMs));
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}
