import { MAX_DELTA_BYTES, MAX_FACTS_PER_FRAME, MAX_KEY_LENGTH } from '../gossip/frames';
import type { Digest, Fact, NodeId } from '../gossip/frames';
import { compareHlc } from './hlc';
import type { HybridClock } from './hlc';
import { MemoryFactStore, type FactHeader, type FactStore } from './factStore';
import { SeqTracker } from './seqTracker';

/** A live index value; null is reserved for tombstones. */
export type IndexValue = Exclude<Fact['value'], null>;

export interface ReplicatedIndexOptions {
  /** Where winners and graves live; Maps when omitted. */
  store?: FactStore;
  /**
   * When true, `digest()` and deltas show only what `markDurable` says is on disk: a peer
   * must never hold a fact we could lose in a crash and then reissue the same seq for a
   * different change, nor learn a watermark we could fall back behind (it would collect a
   * tombstone we do not have). Off for purely in-memory use.
   */
  durableWrites?: boolean;
}

export interface DeltaLimits {
  maxFacts: number;
  /** Serialised size of the facts in one answer; at least one fact is always sent. */
  maxBytes: number;
}

export const DEFAULT_DELTA_LIMITS: Readonly<DeltaLimits> = Object.freeze({ maxFacts: MAX_FACTS_PER_FRAME, maxBytes: MAX_DELTA_BYTES });

/** In-memory protocol state that a failed transaction must give back (see `checkpoint`). */
export interface IndexCheckpoint {
  ownSeq: number;
  changes: number;
  trackers: Map<NodeId, SeqTracker>;
}

/** Tombstones collected per round at most, so that one round is a bounded amount of work. */
const GC_BATCH = 1_000;
/** Facts read from the store at a time while building a delta. */
const DELTA_PAGE = 256;

/**
 * One node's scuttlebutt state: the winning fact per key (last writer wins on the HLC), a
 * per-origin watermark (the digest), and the deltas between digests. The logic is pure; the
 * facts live in a FactStore, so the same code runs on the node's embedded store and on Maps
 * in the simulations. Callers that persist run each batch of calls inside one store
 * transaction and call `saveState` before it commits.
 */
export class ReplicatedIndex {
  readonly store: FactStore;
  private seen = new Map<NodeId, SeqTracker>();
  private durable: Digest | null;
  private ownSeq = 0;
  private changes = 0;
  /** The store held nothing when this index opened: a new node, or one that lost its disk. */
  readonly startedEmpty: boolean;
  /** The local fact being applied right now, told apart from own facts echoed by peers. */
  private creating: Fact | null = null;
  /** Where the next grave sweep resumes (graves are swept a page per round). */
  private graveCursor = '';

  constructor(
    readonly self: NodeId,
    private readonly hlc: HybridClock,
    options: ReplicatedIndexOptions = {},
  ) {
    this.store = options.store ?? new MemoryFactStore();
    const state = this.store.loadState();
    this.startedEmpty = state === undefined;
    if (state) {
      for (const [origin, { mark, above }] of Object.entries(state.watermarks)) this.seen.set(origin, new SeqTracker(mark, above));
      this.ownSeq = Math.max(state.ownSeq, this.seen.get(self)?.max ?? 0);
      this.changes = state.changes;
    }
    // Whatever the store held at start is on disk.
    this.durable = options.durableWrites ? this.committedDigest() : null;
  }

  put(key: string, value: IndexValue): Fact {
    return this.local(key, value);
  }

  /** Deletes by writing a tombstone (value null), so the delete replicates like a write. */
  remove(key: string): Fact {
    return this.local(key, null);
  }

  /** Applies facts from a peer; returns those that are now the winner of their key. */
  apply(facts: readonly Fact[]): Fact[] {
    const winners: Fact[] = [];
    for (const fact of facts) this.applyOne(fact, winners);
    // A key may change twice in one batch; only its final winner is news.
    return winners.filter((fact) => this.isWinner(fact));
  }

  /** True while `fact` is the stored winner of its key. */
  isWinner(fact: Fact): boolean {
    const stored = this.store.getHeader(fact.key);
    return stored !== undefined && stored.origin === fact.origin && stored.seq === fact.seq;
  }

  /**
   * Raises watermarks to an answer's `upTo`. Safe because the answerer sent every fact it
   * stores in (our digest, upTo]; a fact it does not store there was superseded by a newer
   * fact for the same key (which it sends, or which we will still get from that fact's
   * origin, whose watermark this does not move) or collected as a tombstone every member
   * covers. So nothing at or below upTo can still change a key's winner here, and facts at
   * or below a watermark are ignored from then on (that is also what stops a late, older
   * copy from resurrecting a key).
   */
  advance(upTo: Digest): void {
    for (const [origin, seq] of Object.entries(upTo)) {
      this.tracker(origin).raiseTo(seq);
      if (origin === this.self) this.learnOwn(seq);
    }
  }

  /** Everything committed up to `digest` is on disk (only meaningful with durableWrites). */
  markDurable(digest: Digest): void {
    if (!this.durable) return;
    for (const [origin, seq] of Object.entries(digest)) this.durable[origin] = Math.max(this.durable[origin] ?? 0, seq);
  }

  /** What this node vouches for: with durableWrites, only what is on disk. */
  digest(): Digest {
    return this.durable ? { ...this.durable } : this.committedDigest();
  }

  /** Watermarks of everything applied, on disk or not yet. */
  committedDigest(): Digest {
    const digest: Digest = {};
    for (const [origin, tracker] of this.seen) if (tracker.mark > 0) digest[origin] = tracker.mark;
    return digest;
  }

  /**
   * The facts a peer with `peerDigest` lacks, in (origin, seq) order, within `limits`.
   * `upTo[origin]` tells the peer how far it may advance that origin: our own watermark when
   * every stored fact of the origin was included, else the last seq included, and never past
   * our own watermark (past a gap we cannot vouch that nothing is missing).
   */
  deltaFor(peerDigest: Digest, limits: DeltaLimits = DEFAULT_DELTA_LIMITS): { facts: Fact[]; upTo: Digest } {
    const facts: Fact[] = [];
    const upTo: Digest = {};
    const visible = this.digest();
    let bytes = 0;
    let full = false;
    const origins = new Set([...this.store.origins(), ...this.seen.keys()]);
    for (const origin of [...origins].sort()) {
      const from = peerDigest[origin] ?? 0;
      // Own facts leave only once durable; others' are safe to pass on as soon as stored.
      const ceiling = origin === this.self && this.durable ? (this.durable[origin] ?? 0) : Number.POSITIVE_INFINITY;
      let after = from;
      let complete = true;
      if (full) {
        // The budget is spent: an origin is complete only if it has nothing to send.
        complete = this.store.factsOf(origin, from, ceiling, 1).length === 0;
      } else {
        while (!full) {
          const page = this.store.factsOf(origin, after, ceiling, DELTA_PAGE);
          for (const fact of page) {
            const size = factBytes(fact);
            if (facts.length >= limits.maxFacts || (facts.length > 0 && bytes + size > limits.maxBytes)) {
              full = true;
              complete = false;
              break;
            }
            facts.push(fact);
            bytes += size;
            after = fact.seq;
          }
          if (page.length < DELTA_PAGE) break;
        }
      }
      const own = Math.min(visible[origin] ?? 0, ceiling);
      const cover = complete ? own : Math.min(own, after);
      if (cover > from) upTo[origin] = cover;
    }
    return { facts, upTo };
  }

  get(key: string): IndexValue | undefined {
    const value = this.store.getFact(key)?.value;
    return value === null ? undefined : value;
  }

  /** The winning fact of a key, tombstones included. */
  getFact(key: string): Fact | undefined {
    return this.store.getFact(key);
  }

  /** The winning fact of a key without its value (cheaper: nothing to parse). */
  getHeader(key: string): FactHeader | undefined {
    return this.store.getHeader(key);
  }

  /** Live [key, value] pairs in key order with keys starting with `prefix`, a page at a time. */
  entries(prefix = '', page: { after?: string; limit?: number } = {}): Array<[string, IndexValue]> {
    return this.store.entries(prefix, page.after ?? '', page.limit ?? 10_000);
  }

  /** Live (non-tombstone) keys. */
  get size(): number {
    return this.store.liveCount;
  }

  get tombstoneCount(): number {
    return this.store.tombstoneCount;
  }

  /** Number of winning changes applied so far: the "index version" on the status page. */
  get version(): number {
    return this.changes;
  }

  /** Remote versions the HLC refused to follow because they were too far ahead. */
  get clockDriftRejections(): number {
    return this.hlc.rejectedDrift;
  }

  /** Highest seq this node has used for its own facts; the next write uses one more. */
  get lastOwnSeq(): number {
    return this.ownSeq;
  }

  /**
   * Drops tombstones that every member (dead ones too: they may come back) covers, per the
   * digests they last sent us, at most a bounded batch per call. The dropped key keeps a
   * grave: its version and a horizon, the seq each member had reached for its own origin. An
   * older write to the key still in flight was made before its origin learnt of the delete
   * (after that, its HLC orders new writes later), so its seq is within the horizon; the
   * grave rejects such writes until our own watermarks reach the horizon, from which point
   * the watermark alone ignores them.
   */
  collectTombstones(peerDigests: ReadonlyMap<NodeId, Digest>, members: readonly NodeId[]): number {
    const own = this.digest();
    const digests: Digest[] = [];
    const horizon: Digest = {};
    for (const member of new Set(members)) {
      const digest = member === this.self ? own : peerDigests.get(member);
      // A member we have never heard from may still hold an old write: keep everything.
      if (!digest) return 0;
      digests.push(digest);
      horizon[member] = digest[member] ?? 0;
    }
    const covered: Digest = {};
    for (const origin of new Set(digests.flatMap((digest) => Object.keys(digest)))) {
      covered[origin] = Math.min(...digests.map((digest) => digest[origin] ?? 0));
    }
    const tombstones = this.store.coveredTombstones(covered, GC_BATCH);
    for (const fact of tombstones) {
      this.store.deleteFact(fact);
      this.store.putGrave({ key: fact.key, version: fact.version, horizon });
    }
    this.sweepGraves();
    return tombstones.length;
  }

  /** Saves the non-fact state; a persisting caller does so in the transaction of the batch. */
  saveState(): void {
    const watermarks: Record<NodeId, { mark: number; above: number[] }> = {};
    for (const [origin, tracker] of this.seen) watermarks[origin] = { mark: tracker.mark, above: tracker.pending() };
    this.store.saveState({ ownSeq: this.ownSeq, changes: this.changes, watermarks });
  }

  /** The in-memory state before a batch, to give back if its transaction fails. */
  checkpoint(): IndexCheckpoint {
    const trackers = new Map<NodeId, SeqTracker>();
    for (const [origin, tracker] of this.seen) trackers.set(origin, new SeqTracker(tracker.mark, tracker.pending()));
    return { ownSeq: this.ownSeq, changes: this.changes, trackers };
  }

  rollback(checkpoint: IndexCheckpoint): void {
    this.ownSeq = checkpoint.ownSeq;
    this.changes = checkpoint.changes;
    this.seen = checkpoint.trackers;
  }

  private sweepGraves(): void {
    const graves = this.store.gravesAfter(this.graveCursor, GC_BATCH);
    for (const grave of graves) {
      const covered = Object.entries(grave.horizon).every(([origin, seq]) => (this.seen.get(origin)?.mark ?? 0) >= seq);
      if (covered) this.store.deleteGrave(grave.key);
    }
    this.graveCursor = graves.length < GC_BATCH ? '' : graves.at(-1)!.key;
  }

  private local(key: string, value: IndexValue | null): Fact {
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
      throw new RangeError(`index keys are 1 to ${MAX_KEY_LENGTH} characters`);
    }
    let version = this.hlc.now();
    const current = this.store.getHeader(key)?.version ?? this.store.getGrave(key)?.version;
    if (current && compareHlc(current, version) >= 0) {
      // The current value was stamped by a clock ahead of ours (its stamp was refused as
      // drift). The user wrote after seeing it, so the write must still win: order it next.
      version = { wall: current.wall, counter: current.counter + 1, node: this.self };
      this.hlc.observe(version);
    }
    const fact: Fact = { origin: this.self, seq: this.ownSeq + 1, key, value, version };
    this.ownSeq = fact.seq;
    this.creating = fact;
    this.applyOne(fact, []);
    this.creating = null;
    return fact;
  }

  /**
   * Our own facts coming back from peers (this node lost its disk, or restored an older
   * copy), or a peer's digest saying how far they go: never reuse their seqs.
   */
  learnOwn(seq: number): void {
    if (seq > this.ownSeq) this.ownSeq = seq;
  }

  private applyOne(fact: Fact, winners: Fact[]): void {
    const tracker = this.tracker(fact.origin);
    // At or below the watermark means seen already, or superseded (see advance): ignore.
    if (!tracker.add(fact.seq)) return;
    if (fact.origin === this.self && fact !== this.creating) this.learnOwn(fact.seq);
    this.hlc.observe(fact.version);
    const grave = this.store.getGrave(fact.key);
    if (grave && compareHlc(fact.version, grave.version) <= 0) return;
    const current = this.store.getHeader(fact.key);
    if (current && compareHlc(fact.version, current.version) <= 0) return;
    this.store.putFact(fact, current);
    if (grave) this.store.deleteGrave(fact.key);
    this.changes++;
    winners.push(fact);
  }

  private tracker(origin: NodeId): SeqTracker {
    let tracker = this.seen.get(origin);
    if (!tracker) {
      tracker = new SeqTracker();
      this.seen.set(origin, tracker);
    }
    return tracker;
  }
}

/** A fact's share of a frame, as JSON. */
export function factBytes(fact: Fact): number {
  return JSON.stringify(fact).length;
}
