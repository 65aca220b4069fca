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
 * order and the recently dead. A dead member is kept and retried; one that left is kept
 * until `remove` (membership reaps it a while after it left).
 */
export class MemberTable {
  /** Alive and suspect peers. */
  readonly live = new PeerSet();
  private readonly byId = new Map<NodeId, Member>();
  private readonly order: ProbeOrder;
  // Self is counted as alive.
  private readonly counts: Record<MemberState, number> = { alive: 1, suspect: 0, dead: 0, left: 0 };
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
    } else if (to === 'left') {
      // Gone on purpose: neither probed, nor a relay, nor a gossip target.
      this.live.delete(m.id);
    } else {
      this.live.add(m.id);
    }
    return from;
  }

  /** Forgets a member entirely (a reaped `left` one). */
  remove(m: Member): void {
    if (this.byId.get(m.id) !== m) return;
    this.byId.delete(m.id);
    this.counts[m.state]--;
    this.live.delete(m.id);
    this.order.remove(m.id);
  }

  /** The next peer in the round-robin probe order that is alive or suspect and passes `eligible`. */
  nextProbeTarget(eligible: (id: NodeId) => boolean): NodeId | undefined {
    return this.order.next((id) => {
      const state = this.byId.get(id)?.state;
      return (state === 'alive' || state === 'suspect') && eligible(id);
    });
  }

  /** Peers dead for less than `windowMs` (memberlist's GossipToTheDeadTime). */
  recentlyDead(now: number, windowMs: number): NodeId[] {
    this.recentDead = this.recentDead.filter((d) => now - d.at < windowMs && this.byId.get(d.id)?.state === 'dead');
    return this.recentDead.map((d) => d.id);
  }

  /** The whole table as updates, for a state sync. */
  asUpdates(): MemberUpdate[] {
    const out: MemberUpdate[] = [];
    for (const m of this.byId.values()) out.push(asUpdate(m));
    return out;
  }
}

/** A member's state as an update on the wire (a leave is the member's own `dead`). */
export function asUpdate(m: Member): MemberUpdate {
  if (m.state === 'left') return { kind: 'dead', node: m.id, incarnation: m.incarnation, from: m.id };
  return { kind: m.state, node: m.id, incarnation: m.incarnation, from: m.assertedBy };
}
