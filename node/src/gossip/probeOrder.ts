import type { Random } from '../time/random';
import type { NodeId } from './frames';

/**
 * The round-robin probe order: a random permutation fixed once, with newcomers swapped in at
 * random positions (memberlist's trick). Reshuffling at every wrap would let a peer be probed
 * last in one round and first-but-late in the next, a worst-case gap of 2n-1 periods; a fixed
 * order keeps every gap at n-1 periods, which is what the 3-node detection budget relies on.
 */
export class ProbeOrder {
  private readonly ids: NodeId[] = [];
  private cursor = 0;

  constructor(private readonly random: Random) {}

  get size(): number {
    return this.ids.length;
  }

  /** Adds a new id; the caller guarantees it is not already in (the member table knows). */
  add(id: NodeId): void {
    // Inside-out Fisher–Yates: repeated adds build a uniformly random permutation.
    const at = Math.floor(this.random() * (this.ids.length + 1));
    this.ids.push(id);
    const last = this.ids.length - 1;
    this.ids[last] = this.ids[at]!;
    this.ids[at] = id;
  }

  /** Removes an id (a member that left was reaped); O(n), rare. */
  remove(id: NodeId): void {
    const at = this.ids.indexOf(id);
    if (at < 0) return;
    this.ids.splice(at, 1);
    if (this.cursor > at) this.cursor--;
  }

  /** The next id (cyclically) for which `eligible` holds, or undefined after a full lap. */
  next(eligible: (id: NodeId) => boolean): NodeId | undefined {
    for (let tried = 0; tried < this.ids.length; tried++) {
      if (this.cursor >= this.ids.length) this.cursor = 0;
      const id = this.ids[this.cursor++]!;
      if (eligible(id)) return id;
    }
    return undefined;
  }
}

/**
 * A set with O(1) add, delete and uniform random sampling, for picking gossip targets and
 * relays among a thousand peers without copying the list for every frame.
 */
export class PeerSet {
  private readonly items: NodeId[] = [];
  private readonly index = new Map<NodeId, number>();

  get size(): number {
    return this.items.length;
  }

  has(id: NodeId): boolean {
    return this.index.has(id);
  }

  add(id: NodeId): void {
    if (this.index.has(id)) return;
    this.index.set(id, this.items.length);
    this.items.push(id);
  }

  delete(id: NodeId): void {
    const at = this.index.get(id);
    if (at === undefined) return;
    const last = this.items.pop()!;
    this.index.delete(id);
    if (last !== id) {
      this.items[at] = last;
      this.index.set(last, at);
    }
  }

  toArray(): NodeId[] {
    return this.items.slice();
  }

  /** Up to `count` distinct random members, never `exclude`. */
  sample(count: number, random: Random, exclude?: NodeId): NodeId[] {
    const available = this.items.length - (exclude !== undefined && this.index.has(exclude) ? 1 : 0);
    const want = Math.min(count, available);
    const out: NodeId[] = [];
    if (want <= 0) return out;
    if (want * 3 > available) {
      // Dense pick: shuffle a copy (cheap, as the set is small relative to `want`).
      const pool = exclude === undefined ? this.items.slice() : this.items.filter((id) => id !== exclude);
      for (let i = 0; i < want; i++) {
        const j = i + Math.floor(random() * (pool.length - i));
        [pool[i], pool[j]] = [pool[j]!, pool[i]!];
        out.push(pool[i]!);
      }
      return out;
    }
    // Sparse pick: rejection sampling, O(want) expected.
    const chosen = new Set<NodeId>();
    while (out.length < want) {
      const id = this.items[Math.floor(random() * this.items.length)]!;
      if (id === exclude || chosen.has(id)) continue;
      chosen.add(id);
      out.push(id);
    }
    return out;
  }
}
