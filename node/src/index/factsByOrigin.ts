import type { Fact, NodeId } from '../gossip/frames';

/**
 * The stored facts of each origin kept in seq order, so that a delta is found by binary
 * search from the peer's watermark instead of a scan of the whole index: anti-entropy must
 * cost in proportion to the difference, not to the index size.
 */
export class FactsByOrigin {
  private readonly seqs = new Map<NodeId, number[]>();
  private readonly facts = new Map<NodeId, Map<number, Fact>>();

  add(fact: Fact): void {
    let seqs = this.seqs.get(fact.origin);
    let facts = this.facts.get(fact.origin);
    if (!seqs || !facts) {
      seqs = [];
      facts = new Map();
      this.seqs.set(fact.origin, seqs);
      this.facts.set(fact.origin, facts);
    }
    if (facts.has(fact.seq)) return;
    facts.set(fact.seq, fact);
    // Facts mostly arrive in seq order, so this is nearly always a plain push.
    const at = upperBound(seqs, fact.seq);
    if (at === seqs.length) seqs.push(fact.seq);
    else seqs.splice(at, 0, fact.seq);
  }

  delete(fact: Fact): void {
    const facts = this.facts.get(fact.origin);
    const seqs = this.seqs.get(fact.origin);
    if (!facts || !seqs || !facts.delete(fact.seq)) return;
    const at = upperBound(seqs, fact.seq) - 1;
    if (seqs[at] === fact.seq) seqs.splice(at, 1);
  }

  origins(): NodeId[] {
    return [...this.seqs.keys()].sort();
  }

  /** Stored facts of `origin` with seq in (after, upTo], ascending, at most `limit` of them. */
  range(origin: NodeId, after: number, upTo: number, limit: number): { facts: Fact[]; complete: boolean } {
    const seqs = this.seqs.get(origin) ?? [];
    const facts = this.facts.get(origin);
    const out: Fact[] = [];
    for (let i = upperBound(seqs, after); i < seqs.length; i++) {
      const seq = seqs[i]!;
      if (seq > upTo) break;
      if (out.length >= limit) return { facts: out, complete: false };
      out.push(facts!.get(seq)!);
    }
    return { facts: out, complete: true };
  }
}

/** Index of the first element greater than `value` in an ascending array. */
function upperBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
