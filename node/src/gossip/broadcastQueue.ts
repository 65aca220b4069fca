import type { MemberUpdate, NodeId } from './frames';

interface Entry {
  update: MemberUpdate;
  /** Enqueue order: higher is more recent. */
  id: number;
  transmits: number;
  live: boolean;
}

/** How many times one update is sent: enough for an epidemic to reach everyone w.h.p. */
export function transmitLimit(retransmitMult: number, numNodes: number): number {
  return Math.max(1, retransmitMult * Math.ceil(Math.log10(Math.max(1, numNodes) + 1)));
}

/**
 * Membership updates waiting to be piggybacked (memberlist's TransmitLimitedQueue). One entry
 * per node: a newer update about a node replaces the older one, which would only contradict
 * it. Least-transmitted first, most recent first among equals; dropped after the limit.
 *
 * Entries sit in one stack per transmit count, so taking the best m updates costs O(m)
 * instead of sorting the whole queue for every frame (a 1,000-node join puts ~1,000 updates
 * in every queue). Within a stack, entries are in the order they were last sent, oldest
 * first: the most recent come out first exactly among the never-sent, approximately after.
 */
export class BroadcastQueue {
  private readonly byNode = new Map<NodeId, Entry>();
  private readonly buckets: Entry[][] = [];
  private nextId = 0;

  constructor(private readonly retransmitMult: number) {}

  /** Updates still to be sent. */
  get size(): number {
    return this.byNode.size;
  }

  enqueue(update: MemberUpdate): void {
    const old = this.byNode.get(update.node);
    // Dead entries are skipped and dropped lazily when a take() reaches them.
    if (old) old.live = false;
    const entry: Entry = { update, id: this.nextId++, transmits: 0, live: true };
    this.byNode.set(update.node, entry);
    // The newest id always goes to the end of bucket 0.
    this.bucket(0).push(entry);
  }

  /** Forgets any pending update about `node` (e.g. a fresher one was sent some other way). */
  drop(node: NodeId): void {
    const entry = this.byNode.get(node);
    if (!entry) return;
    entry.live = false;
    this.byNode.delete(node);
  }

  /** The pending update about `node`, if any. */
  peek(node: NodeId): MemberUpdate | undefined {
    return this.byNode.get(node)?.update;
  }

  /**
   * Takes up to `max` updates for one frame and counts them as transmitted once. The limit
   * is computed from the cluster size now, as the cluster may have grown since enqueue.
   */
  take(max: number, numNodes: number): MemberUpdate[] {
    const out: MemberUpdate[] = [];
    if (max <= 0 || this.byNode.size === 0) return out;
    const limit = transmitLimit(this.retransmitMult, numNodes);
    const taken: Entry[] = [];
    for (let t = 0; t < this.buckets.length && taken.length < max; t++) {
      const bucket = this.buckets[t]!;
      while (bucket.length > 0 && taken.length < max) {
        const entry = bucket.pop()!;
        if (entry.live) taken.push(entry);
      }
    }
    for (const entry of taken) out.push(entry.update);
    // Re-stacked oldest first, so that the most recent come out first again next time.
    for (let i = taken.length - 1; i >= 0; i--) {
      const entry = taken[i]!;
      entry.transmits++;
      if (entry.transmits >= limit) {
        entry.live = false;
        if (this.byNode.get(entry.update.node) === entry) this.byNode.delete(entry.update.node);
      } else {
        this.bucket(entry.transmits).push(entry);
      }
    }
    return out;
  }

  private bucket(t: number): Entry[] {
    while (this.buckets.length <= t) this.buckets.push([]);
    return this.buckets[t]!;
  }
}
