import type { Random } from '../time/random';
import type { MemberState, MemberUpdate, NodeId } from './frames';
import { PeerSet, ProbeOrder } from './probeOrder';
import type { Suspicion } from './suspicion';

export interface Member {
  id: NodeId;
  state: MemberState;
  incarnation: number;
  since: number;
  /** Who asserted the current state; repeated to the member itself when it is suspect or dead. */
  assertedBy: NodeId;
  suspicion?: Suspicion;
  retryDelayMs: number;
  retryAt?: number;
  retryGen: number;
}

/**
 * The peers one node knows, with the indexes the protocol needs in O(1): the live set (relay
 * and gossip targets), per-state counts (convergence checks over 1,000 nodes), the probe
 * order and the recently dead. Members are never removed: a dead one is kept and retried.
 */
export class MemberTable {
  /** Alive and suspect peers. */
  readonly live = new PeerSet();
  private readonly byId = new Map<NodeId, Member>();
  private readonly order: ProbeOrder;
  // Self is counted as alive.
  private readonly counts: Record<MemberState, number> = { alive: 1, suspect: 0, dead: 0 };
  private recentDead: Array<{ id: NodeId; at: number }> = [];

  constructor(random: Random) {
    this.order = new ProbeOrder(random);
  }

  /** Known peers, self excluded. */
  get size(): number {
    return this.byId.size;
  }

  get(id: NodeId): Member | undefined {
    return this.byId.get(id);
  }

  values(): IterableIterator<Member> {
    return this.byId.values();
  }

  stateCounts(): Record<MemberState, number> {
    return { ...this.counts };
  }

  /** Adds an unknown peer as alive (the caller moves it on if it was reported otherwise). */
  add(id: NodeId, incarnation: number, from: NodeId, now: number): Member {
    const m: Member = { id, state: 'alive', incarnation, since: now, assertedBy: from, retryDelayMs: 0, retryGen: 0 };
    this.byId.set(id, m);
    this.order.add(id);
    this.counts.alive++;
    this.live.add(id);
    return m;
  }

  /** Moves a member to a new state, keeping the indexes right; returns the old state. */
  move(m: Member, to: MemberState, now: number): MemberState {
    const from = m.state;
    this.counts[from]--;
    this.counts[to]++;
    m.state = to;
    m.since = now;
    if (to === 'dead') {
      this.live.delete(m.id);
      this.recentDead.push({ id: m.id, at: now });
    } else {
      this.live.add(m.id);
    }
    return from;
  }

  /** The next peer in the round-robin probe order that is not dead and passes `eligible`. */
  nextProbeTarget(eligible: (id: NodeId) => boolean): NodeId | undefined {
    return this.order.next((id) => this.byId.get(id)?.state !== 'dead' && eligible(id));
  }

  /** Peers dead for less than `windowMs` (memberlist's GossipToTheDeadTime). */
  recentlyDead(now: number, windowMs: number): NodeId[] {
    this.recentDead = this.recentDead.filter((d) => now - d.at < windowMs && this.byId.get(d.id)?.state === 'dead');
    return this.recentDead.map((d) => d.id);
  }

  /** The whole table as updates, for a state sync. */
  asUpdates(): MemberUpdate[] {
    const out: MemberUpdate[] = [];
    for (const m of this.byId.values()) out.push({ kind: m.state, node: m.id, incarnation: m.incarnation, from: m.assertedBy });
    return out;
  }
}
