import type { Digest, Fact, NodeId } from '../gossip/frames';
import type { Grave } from './records';

/** A fact without its value: what merging and bookkeeping need, without parsing the value. */
export type FactHeader = Omit<Fact, 'value'> & { tombstone: boolean };

/** A per-origin watermark as persisted: the contiguous mark and the seqs seen past a gap. */
export interface StoredWatermark {
  mark: number;
  above: number[];
}

/** The protocol state that is not facts: saved with every batch, read once at start. */
export interface IndexState {
  ownSeq: number;
  changes: number;
  watermarks: Record<NodeId, StoredWatermark>;
}

/**
 * Where a ReplicatedIndex keeps its winning facts and graves (Garage's table `data`): the
 * protocol logic is the same over an embedded store on disk and over plain Maps in the
 * simulations. Every method is synchronous so that a batch runs inside one transaction.
 */
export interface FactStore {
  getFact(key: string): Fact | undefined;
  getHeader(key: string): FactHeader | undefined;
  /** Makes `fact` the winner of its key, replacing `previous` (secondary indexes follow). */
  putFact(fact: Fact, previous: FactHeader | undefined): void;
  /** Forgets a collected tombstone. */
  deleteFact(fact: Fact): void;
  getGrave(key: string): Grave | undefined;
  putGrave(grave: Grave): void;
  deleteGrave(key: string): void;
  /** Graves in key order after `afterKey`, at most `limit` (swept a page at a time). */
  gravesAfter(afterKey: string, limit: number): Grave[];
  /** Stored facts of `origin` with seq in (after, upTo], ascending, at most `limit`. */
  factsOf(origin: NodeId, after: number, upTo: number, limit: number): Fact[];
  origins(): NodeId[];
  /** Tombstones whose seq is at or below `covered[origin]`, at most `limit`. */
  coveredTombstones(covered: Digest, limit: number): Fact[];
  /** Live [key, value] pairs in key order with keys starting with `prefix`, after `afterKey`. */
  entries(prefix: string, afterKey: string, limit: number): Array<[string, Exclude<Fact['value'], null>]>;
  readonly liveCount: number;
  readonly tombstoneCount: number;
  loadState(): IndexState | undefined;
  saveState(state: IndexState): void;
}

/** The store of the simulations and unit tests: Maps, with facts per origin kept in seq order. */
export class MemoryFactStore implements FactStore {
  private readonly winners = new Map<string, Fact>();
  private readonly tombstones = new Set<string>();
  private readonly graves = new Map<string, Grave>();
  private readonly seqs = new Map<NodeId, number[]>();
  private readonly byOriginSeq = new Map<NodeId, Map<number, Fact>>();
  private state: IndexState | undefined;

  getFact(key: string): Fact | undefined {
    return this.winners.get(key);
  }

  getHeader(key: string): FactHeader | undefined {
    const fact = this.winners.get(key);
    return fact && headerOf(fact);
  }

  putFact(fact: Fact, previous: FactHeader | undefined): void {
    const replaced = previous && this.winners.get(previous.key);
    if (replaced) this.unlink(replaced);
    this.winners.set(fact.key, fact);
    if (fact.value === null) this.tombstones.add(fact.key);
    let seqs = this.seqs.get(fact.origin);
    let facts = this.byOriginSeq.get(fact.origin);
    if (!seqs || !facts) {
      seqs = [];
      facts = new Map();
      this.seqs.set(fact.origin, seqs);
      this.byOriginSeq.set(fact.origin, facts);
    }
    facts.set(fact.seq, fact);
    // Facts mostly arrive in seq order, so this is nearly always a plain push.
    const at = upperBound(seqs, fact.seq);
    if (at === seqs.length) seqs.push(fact.seq);
    else seqs.splice(at, 0, fact.seq);
  }

  deleteFact(fact: Fact): void {
    if (this.winners.get(fact.key) === fact) this.unlink(fact);
  }

  getGrave(key: string): Grave | undefined {
    return this.graves.get(key);
  }

  putGrave(grave: Grave): void {
    this.graves.set(grave.key, grave);
  }

  deleteGrave(key: string): void {
    this.graves.delete(key);
  }

  gravesAfter(afterKey: string, limit: number): Grave[] {
    return [...this.graves.values()]
      .filter((grave) => grave.key > afterKey)
      .sort((a, b) => compareKeys(a.key, b.key))
      .slice(0, limit);
  }

  factsOf(origin: NodeId, after: number, upTo: number, limit: number): Fact[] {
    const seqs = this.seqs.get(origin) ?? [];
    const facts = this.byOriginSeq.get(origin)!;
    const out: Fact[] = [];
    for (let i = upperBound(seqs, after); i < seqs.length && out.length < limit; i++) {
      if (seqs[i]! > upTo) break;
      out.push(facts.get(seqs[i]!)!);
    }
    return out;
  }

  origins(): NodeId[] {
    return [...this.seqs.keys()].sort();
  }

  coveredTombstones(covered: Digest, limit: number): Fact[] {
    const out: Fact[] = [];
    for (const key of this.tombstones) {
      const fact = this.winners.get(key)!;
      if (fact.seq <= (covered[fact.origin] ?? 0)) out.push(fact);
      if (out.length >= limit) break;
    }
    return out;
  }

  entries(prefix: string, afterKey: string, limit: number): Array<[string, Exclude<Fact['value'], null>]> {
    const out: Array<[string, Exclude<Fact['value'], null>]> = [];
    for (const fact of this.winners.values()) {
      if (fact.value !== null && fact.key.startsWith(prefix) && fact.key > afterKey) out.push([fact.key, fact.value]);
    }
    return out.sort(([a], [b]) => compareKeys(a, b)).slice(0, limit);
  }

  get liveCount(): number {
    return this.winners.size - this.tombstones.size;
  }

  get tombstoneCount(): number {
    return this.tombstones.size;
  }

  loadState(): IndexState | undefined {
    return this.state;
  }

  saveState(state: IndexState): void {
    this.state = state;
  }

  private unlink(fact: Fact): void {
    this.winners.delete(fact.key);
    this.tombstones.delete(fact.key);
    const seqs = this.seqs.get(fact.origin);
    if (!seqs || !this.byOriginSeq.get(fact.origin)?.delete(fact.seq)) return;
    const at = upperBound(seqs, fact.seq) - 1;
    if (seqs[at] === fact.seq) seqs.splice(at, 1);
  }
}

export function headerOf(fact: Fact): FactHeader {
  const { value, ...header } = fact;
  return { ...header, tombstone: value === null };
}

/** Byte order of the UTF-16 code units, which is what SQLite's BINARY collation gives for ASCII keys. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
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
