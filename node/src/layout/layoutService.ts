import type { Logger } from 'pino';
import type { Fact, NodeId } from '../gossip/frames';
import { clusterLayoutSchema, type ClusterLayout, type NodeAddress } from '../api/layout';
import type { IndexValue } from '../index/replicatedIndex';
import { EMPTY_LAYOUT, memberNodes, newerLayout, placementNodes, seedLayout } from './clusterLayout';

/** Every layout version has a key of its own, so the highest version wins whatever the clocks say. */
export const LAYOUT_PREFIX = 'layout/';
export const layoutKey = (version: number) => `${LAYOUT_PREFIX}${String(version).padStart(12, '0')}`;

export interface LayoutServiceDeps {
  self: NodeId;
  index: { entries(prefix: string, page?: { after?: string; limit?: number }): Array<[string, IndexValue]> };
  writer: { write(key: string, value: IndexValue): Promise<Fact> };
  /**
   * The founding nodes of config/nodes: version 1 when the index holds no layout yet, so that
   * a cluster that predates layouts upgrades unasked. Absent for a node that joins by address:
   * it learns the layout from the cluster.
   */
  founders?: readonly NodeAddress[];
  logger: Logger;
}

/** What placement, membership and the tombstone collector need to know of the layout now. */
export interface LayoutView {
  readonly version: number;
  current(): ClusterLayout;
  /** Active nodes, sorted: placement's universe. */
  placementNodes(): readonly NodeId[];
  /** Active and draining nodes, sorted (self too, whatever the layout says of it). */
  members(): readonly NodeId[];
}

/**
 * The cluster layout this node follows: the highest version in its index (DESIGN §12). Kept in
 * memory and moved on by the index's change feed, so that placement reads it in O(1).
 */
export class LayoutService implements LayoutView {
  private layout: ClusterLayout = EMPTY_LAYOUT;
  private placement: NodeId[] = [];
  private memberIds: NodeId[] = [];
  private readonly listeners = new Set<(layout: ClusterLayout, previous: ClusterLayout) => void>();

  constructor(private readonly deps: LayoutServiceDeps) {
    this.memberIds = [deps.self];
    if (deps.founders) this.set(seedLayout(deps.founders));
    const stored = this.newestInIndex();
    if (stored) this.set(stored, { equalWins: true });
  }

  get version(): number {
    return this.layout.version;
  }

  current(): ClusterLayout {
    return this.layout;
  }

  placementNodes(): readonly NodeId[] {
    return this.placement;
  }

  members(): readonly NodeId[] {
    return this.memberIds;
  }

  onChange(listener: (layout: ClusterLayout, previous: ClusterLayout) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Writes version 1 when the index has no layout at all (a founding node's first start with
   * this release). Written by every founder alike: the same key and value, whoever wins. A node
   * whose index is empty first gives its peers `waitMs` to send theirs: a cluster that already
   * has a layout must not get its version 1 rewritten from one node's files.
   */
  async seedIfMissing(opts: { waitMs?: number; pollMs?: number } = {}): Promise<void> {
    if (!this.deps.founders) return;
    const deadline = Date.now() + (opts.waitMs ?? 0);
    while (Date.now() < deadline && !this.newestInIndex()) await new Promise((resolve) => setTimeout(resolve, opts.pollMs ?? 200));
    if (this.newestInIndex()) return;
    const seed = seedLayout(this.deps.founders);
    await this.deps.writer.write(layoutKey(seed.version), seed);
    this.deps.logger.info({ version: seed.version, nodes: seed.nodes.map((node) => node.id) }, 'cluster layout seeded from config/nodes');
  }

  /** Writes a version checked by the caller (layoutAdmin.ts); resolves once it is durable here. */
  async write(layout: ClusterLayout): Promise<void> {
    await this.deps.writer.write(layoutKey(layout.version), layout);
    this.set(layout);
  }

  /** The index's change feed: layout facts from peers (or our own) move the layout on. */
  onFacts(facts: readonly Fact[]): void {
    for (const fact of facts) {
      if (!fact.key.startsWith(LAYOUT_PREFIX) || fact.value === null) continue;
      const layout = this.parse(fact.key, fact.value);
      if (layout) this.set(layout, { equalWins: true });
    }
  }

  private newestInIndex(): ClusterLayout | undefined {
    let newest: ClusterLayout | undefined;
    let after: string | undefined;
    // A handful of versions in a cluster's life; paged all the same.
    for (;;) {
      const page = this.deps.index.entries(LAYOUT_PREFIX, { after, limit: 100 });
      for (const [key, value] of page) {
        const layout = this.parse(key, value);
        if (layout) newest = newest ? newerLayout(newest, layout) : layout;
      }
      if (page.length < 100) return newest;
      after = page.at(-1)![0];
    }
  }

  private parse(key: string, value: unknown): ClusterLayout | undefined {
    const parsed = clusterLayoutSchema.safeParse(value);
    if (!parsed.success || layoutKey(parsed.data.version) !== key) {
      this.deps.logger.warn({ key }, 'ignoring a malformed cluster layout');
      return undefined;
    }
    return parsed.data;
  }

  /**
   * Moves to `layout` if it is newer. An equal version replaces ours only when it is the index's
   * winner for that key (two admins applied the same version at once: one value wins everywhere).
   */
  private set(layout: ClusterLayout, opts: { equalWins?: boolean } = {}): void {
    const previous = this.layout;
    if (layout === previous || layout.version < previous.version) return;
    if (layout.version === previous.version && !(opts.equalWins && JSON.stringify(layout) !== JSON.stringify(previous))) return;
    this.layout = layout;
    this.placement = placementNodes(layout);
    this.memberIds = [...new Set([...memberNodes(layout), this.deps.self])].sort();
    this.deps.logger.info({ version: layout.version, active: this.placement, members: this.memberIds }, 'cluster layout changed');
    for (const listener of this.listeners) listener(layout, previous);
  }
}
