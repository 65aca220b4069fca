import pino, { type Logger } from 'pino';
import { FakeClock } from '../time/fakeClock';
import { seededRandom, type Random } from '../time/random';
import { LinkSimulator, type LinkProfile } from '../transport/linkSimulator';
import { MemoryNetwork, type MemoryTransport } from '../transport/memoryTransport';
import { isMembershipFrame, type NodeId } from './frames';
import { Membership, type MemberChange } from './membership';
import { SlowClock, type Slowness } from './slowClock';
import type { SwimConfig } from './swimConfig';

/** The three regions and the `wan` profile of DESIGN §2 (one-way delay and jitter). */
export const WAN_REGIONS: readonly NodeId[] = ['us-east', 'eu-west', 'asia'];
const WAN_DELAYS: Record<string, [number, number]> = {
  'eu-west|us-east': [40, 4],
  'asia|us-east': [75, 8],
  'asia|eu-west': [115, 10],
};

export function wanLink(a: NodeId, b: NodeId, lossPercent = 0): LinkProfile {
  const [delayMs, jitterMs] = WAN_DELAYS[[a, b].sort().join('|')] ?? [0, 0];
  return { delayMs, jitterMs, lossPercent };
}

/** A deterministic, symmetric "LAN-like" link: 5–30 ms one way, ±2 ms jitter. */
export function lanLikeLink(a: NodeId, b: NodeId, lossPercent = 0): LinkProfile {
  const key = a < b ? `${a}|${b}` : `${b}|${a}`;
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return { delayMs: 5 + ((h >>> 0) % 26), jitterMs: 2, lossPercent };
}

export interface Endpoint {
  id: NodeId;
  transport: MemoryTransport;
  links: LinkSimulator;
  /** This endpoint's own seeded stream, for the protocol running on it. */
  random: Random;
}

/**
 * A fake-time network of in-memory transports with simulated links: the setup shared by the
 * membership tests, the 1,000-node simulation and benchmarks of other protocols.
 */
export class SimNetwork {
  readonly clock: FakeClock;
  readonly network: MemoryNetwork;
  private readonly seed: number;
  private readonly linkTo: (from: NodeId, to: NodeId) => LinkProfile;
  private attached = 0;

  constructor(opts: { seed: number; linkTo: (from: NodeId, to: NodeId) => LinkProfile; clock?: FakeClock }) {
    this.clock = opts.clock ?? new FakeClock();
    this.network = new MemoryNetwork(this.clock);
    this.seed = opts.seed;
    this.linkTo = opts.linkTo;
  }

  /** Connects `id` (again, after its previous transport was closed) with fresh random streams. */
  attach(id: NodeId): Endpoint {
    const n = ++this.attached;
    const links = new LinkSimulator({
      self: id,
      linkTo: (peer) => this.linkTo(id, peer),
      clock: this.clock,
      random: seededRandom(this.seed * 7919 + n * 2),
    });
    return { id, transport: this.network.connect(id, links), links, random: seededRandom(this.seed * 7919 + n * 2 + 1) };
  }
}

export interface SwimNode extends Endpoint {
  membership: Membership;
}

export interface SwimClusterOptions {
  ids: readonly NodeId[];
  config: SwimConfig;
  seed: number;
  linkTo: (from: NodeId, to: NodeId) => LinkProfile;
  /** Configured peers of each node; all the others by default. */
  seedsFor?: (id: NodeId) => NodeId[];
  logger?: Logger;
}

/** Membership instances on a SimNetwork, with every state change recorded. */
export class SwimCluster {
  readonly net: SimNetwork;
  readonly nodes = new Map<NodeId, SwimNode>();
  /** Every state change seen by every node (joins aside), with the fake time it happened. */
  readonly changes: Array<MemberChange & { observer: NodeId; at: number }> = [];
  private readonly logger: Logger;

  constructor(private readonly opts: SwimClusterOptions) {
    this.net = new SimNetwork({ seed: opts.seed, linkTo: opts.linkTo });
    this.logger = opts.logger ?? pino({ level: 'silent' });
  }

  get clock(): FakeClock {
    return this.net.clock;
  }

  /**
   * Starts (or restarts, on a fresh transport) one node; `opts.slow` makes its event loop slow
   * (late timers, frames read late), `opts.config` gives it its own tuning.
   */
  start(id: NodeId, incarnation = 1, opts: { slow?: Slowness; config?: SwimConfig } = {}): SwimNode {
    if (this.nodes.has(id)) throw new Error(`${id} is running`);
    const endpoint = this.net.attach(id);
    const slowClock = opts.slow ? new SlowClock(this.clock, opts.slow) : undefined;
    const membership = new Membership({
      self: id,
      seeds: this.opts.seedsFor ? this.opts.seedsFor(id) : this.opts.ids.filter((other) => other !== id),
      incarnation,
      config: opts.config ?? this.opts.config,
      clock: slowClock ?? this.clock,
      random: endpoint.random,
      send: (to, frame) => endpoint.transport.send(to, frame),
      logger: this.logger,
    });
    endpoint.transport.onFrame((from, frame) => {
      if (!isMembershipFrame(frame)) return;
      if (slowClock) slowClock.deliver(() => membership.handleFrame(from, frame));
      else membership.handleFrame(from, frame);
    });
    membership.onChange((change) => {
      // Joins are not recorded: a 1,000-node join would be a million of them.
      if (change.from !== undefined || change.to !== 'alive') this.changes.push({ ...change, observer: id, at: this.clock.now() });
    });
    const node: SwimNode = { ...endpoint, membership };
    this.nodes.set(id, node);
    membership.start();
    return node;
  }

  startAll(): void {
    for (const id of this.opts.ids) this.start(id);
  }

  /** Kills a node: stops its protocol and closes its transport (at once: close() is sync inside). */
  stop(id: NodeId): void {
    const node = this.nodes.get(id);
    if (!node) return;
    node.membership.stop();
    void node.transport.close();
    this.nodes.delete(id);
  }

  /** The state of `target` as `observer` sees it. */
  stateOf(observer: NodeId, target: NodeId): string | undefined {
    return this.nodes.get(observer)?.membership.member(target)?.state;
  }

  /** True when every running node other than `target` sees it in `state` (and `incarnation`). */
  allSee(target: NodeId, state: string, incarnation?: number): boolean {
    for (const [id, node] of this.nodes) {
      if (id === target) continue;
      const view = node.membership.member(target);
      if (view?.state !== state || (incarnation !== undefined && view.incarnation !== incarnation)) return false;
    }
    return true;
  }

  /** True when every running node holds every id alive. */
  allAlive(): boolean {
    const n = this.opts.ids.length;
    for (const node of this.nodes.values()) if (node.membership.stateCounts().alive !== n) return false;
    return true;
  }

  /** True when every running node holds every other alive at its current incarnation. */
  consistent(): boolean {
    if (!this.allAlive()) return false;
    for (const [id, node] of this.nodes) {
      for (const observer of this.nodes.values()) {
        if (observer !== node && observer.membership.member(id)?.incarnation !== node.membership.incarnation) return false;
      }
    }
    return true;
  }

  /** Runs fake time until `condition` holds; returns the fake ms it took, or undefined. */
  runUntil(condition: () => boolean, limitMs: number, stepMs = 10): number | undefined {
    return this.clock.advanceUntil(condition, limitMs, stepMs);
  }
}

export interface SimulationResult {
  nodes: number;
  /** Fake ms until every node held every node alive at its current incarnation. */
  convergeMs: number | undefined;
  victim: NodeId;
  /** Fake ms from the kill until every other node held the victim dead. */
  detectMs: number | undefined;
  framesSent: number;
  /** Suspicions of anyone but the victim, and of the victim before it was killed. */
  falseSuspicions: number;
  realMs: number;
}

/**
 * The large-cluster experiment. `seedsPerNode: 'all'` is GeoVault's model (every node is
 * configured with every peer) and `restarted` nodes come back with incarnation 2, which all
 * others must learn; a number makes it a join from that many random seeds, which costs
 * ~n²·retransmits update deliveries (16 M for 1,000 nodes: a minute, not a unit test).
 * Then one node is killed and must be dead on every other node.
 */
export function runMembershipSimulation(opts: {
  nodes: number;
  config: SwimConfig;
  seed?: number;
  seedsPerNode?: number | 'all';
  restarted?: number;
  convergeLimitMs?: number;
  detectLimitMs?: number;
}): SimulationResult {
  const started = performance.now();
  const ids = Array.from({ length: opts.nodes }, (_, i) => `n${i}`);
  const pick = seededRandom((opts.seed ?? 1) + 17);
  const seedsPerNode = opts.seedsPerNode ?? 'all';
  const cluster = new SwimCluster({
    ids,
    config: opts.config,
    seed: opts.seed ?? 1,
    linkTo: (a, b) => lanLikeLink(a, b),
    seedsFor: (id) => {
      if (seedsPerNode === 'all') return ids.filter((other) => other !== id);
      const out = new Set<NodeId>();
      while (out.size < Math.min(seedsPerNode, ids.length - 1)) {
        const other = ids[Math.floor(pick() * ids.length)]!;
        if (other !== id) out.add(other);
      }
      return [...out];
    },
  });
  const restarted = new Set<NodeId>();
  while (restarted.size < Math.min(opts.restarted ?? 0, ids.length)) restarted.add(ids[Math.floor(pick() * ids.length)]!);
  // Configured peers start at incarnation 0: a fresh node (0) matches, a restarted one (2) must spread.
  for (const id of ids) cluster.start(id, restarted.has(id) ? 2 : 0);
  const converged = () => cluster.allAlive() && [...restarted].every((id) => cluster.allSee(id, 'alive', 2));
  const convergeMs = cluster.runUntil(converged, opts.convergeLimitMs ?? 120_000, 100);
  const victim = ids[Math.floor(pick() * ids.length)]!;
  const before = cluster.changes.length;
  cluster.stop(victim);
  const detectMs = cluster.runUntil(() => cluster.allSee(victim, 'dead'), opts.detectLimitMs ?? 120_000, 100);
  const falseSuspicions = cluster.changes.filter((c, i) => c.to === 'suspect' && (i < before || c.node !== victim)).length;
  return {
    nodes: opts.nodes,
    convergeMs,
    victim,
    detectMs,
    framesSent: cluster.net.network.sent,
    falseSuspicions,
    realMs: Math.round(performance.now() - started),
  };
}
