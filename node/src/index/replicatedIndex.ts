import { MAX_FACTS_PER_FRAME, MAX_KEY_LENGTH } from '../gossip/frames';
import type { Digest, Fact, NodeId } from '../gossip/frames';
import { compareHlc } from './hlc';
import type { HybridClock } from './hlc';
import { FactsByOrigin } from './factsByOrigin';
import { SeqTracker } from './seqTracker';
import type { Grave, IndexSnapshot } from './records';

/** A live index value; null is reserved for tombstones. */
export type IndexValue = Exclude<Fact['value'], null>;

export interface ApplyReport {
  /** Facts that are now the winner of their key (the caller notifies and forwards these). */
  winners: Fact[];
  /** Facts seen for the first time, winners or not: what must be logged to replay the state. */
  fresh: Fact[];
}

export interface ReplicatedIndexOptions {
  /**
   * When true, the node's own facts are held back from deltas until `markDurable` says they
   * are fsynced: a peer must never hold a fact we could lose in a crash and then reissue the
   * same seq for a different change. Off by default for purely in-memory use.
   */
  durableWrites?: boolean;
}

/**
 * One node's scuttlebutt state, pure and in memory: the winning fact per key (last writer
 * wins on the HLC), a per-origin watermark (the digest), and the deltas between digests.
 */
export class ReplicatedIndex {
  private readonly winners = new Map<string, Fact>();
  private readonly tombstoneKeys = new Set<string>();
  private readonly byOrigin = new FactsByOrigin();
  private readonly seen = new Map<NodeId, SeqTracker>();
  private readonly graves = new Map<string, Grave>();
  private readonly durableOwn: SeqTracker | null;
  private ownSeq = 0;
  /** The local fact being applied right now, told apart from own facts echoed by peers. */
  private creating: Fact | null = null;
  private changes = 0;

  constructor(
    readonly self: NodeId,
    private readonly hlc: HybridClock,
    options: ReplicatedIndexOptions = {},
  ) {
    this.durableOwn = options.durableWrites ? new SeqTracker() : null;
  }

  put(key: string, value: IndexValue): Fact {
    return this.local(key, value);
  }

  /** Deletes by writing a tombstone (value null), so the delete replicates like a write. */
  remove(key: string): Fact {
    return this.local(key, null);
  }

  apply(facts: readonly Fact[]): Fact[] {
    return this.applyReport(facts).winners;
  }

  applyReport(facts: readonly Fact[]): ApplyReport {
    const report: ApplyReport = { winners: [], fresh: [] };
    for (const fact of facts) this.applyOne(fact, report);
    // A key may change twice in one batch; only its final winner is news.
    report.winners = report.winners.filter((fact) => this.winners.get(fact.key) === fact);
    return report;
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

  /** Own facts up to this seq are on disk (only meaningful with durableWrites). */
  markDurable(seq: number): void {
    this.durableOwn?.add(seq);
  }

  digest(): Digest {
    const digest: Digest = {};
    for (const [origin, tracker] of this.seen) if (tracker.mark > 0) digest[origin] = tracker.mark;
    return digest;
  }

  /**
   * The facts a peer with `peerDigest` lacks, in (origin, seq) order, at most `maxFacts`.
   * `upTo[origin]` tells the peer how far it may advance that origin: our own watermark when
   * every stored fact of the origin was included, else the last seq included, and never past
   * our own watermark (past a gap we cannot vouch that nothing is missing).
   */
  deltaFor(peerDigest: Digest, maxFacts = MAX_FACTS_PER_FRAME): { facts: Fact[]; upTo: Digest } {
    const facts: Fact[] = [];
    const upTo: Digest = {};
    const origins = new Set([...this.byOrigin.origins(), ...this.seen.keys()]);
    for (const origin of [...origins].sort()) {
      const from = peerDigest[origin] ?? 0;
      const durable = origin === this.self && this.durableOwn ? this.durableOwn.mark : Number.POSITIVE_INFINITY;
      const part = this.byOrigin.range(origin, from, durable, maxFacts - facts.length);
      facts.push(...part.facts);
      const own = Math.min(this.seen.get(origin)?.mark ?? 0, durable);
      const cover = part.complete ? own : Math.min(own, part.facts.at(-1)?.seq ?? from);
      if (cover > from) upTo[origin] = cover;
    }
    return { facts, upTo };
  }

  get(key: string): IndexValue | undefined {
    const value = this.winners.get(key)?.value;
    return value === null ? undefined : value;
  }

  /** The winning fact of a key, tombstones included. */
  getFact(key: string): Fact | undefined {
    return this.winners.get(key);
  }

  /** Live [key, value] pairs in key order, optionally only keys starting with `prefix`. */
  entries(prefix = ''): Array<[string, IndexValue]> {
    const out: Array<[string, IndexValue]> = [];
    for (const fact of this.winners.values()) {
      if (fact.value !== null && fact.key.startsWith(prefix)) out.push([fact.key, fact.value]);
    }
    return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Live (non-tombstone) keys. */
  get size(): number {
    return this.winners.size - this.tombstoneKeys.size;
  }

  get tombstoneCount(): number {
    return this.tombstoneKeys.size;
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
   * digests they last sent us. The dropped key keeps a grave: its version and a horizon, the
   * seq each member had reached for its own origin. An older write to the key still in flight
   * was made before its origin learnt of the delete (after that, its HLC orders new writes
   * later), so its seq is within the horizon; the grave rejects such writes until our own
   * watermarks reach the horizon, from which point the watermark alone ignores them.
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
    let collected = 0;
    for (const key of [...this.tombstoneKeys]) {
      const fact = this.winners.get(key)!;
      if (!digests.every((digest) => (digest[fact.origin] ?? 0) >= fact.seq)) continue;
      this.drop(fact);
      this.graves.set(key, { key, version: fact.version, horizon });
      collected++;
    }
    for (const [key, grave] of this.graves) {
      const covered = Object.entries(grave.horizon).every(([origin, seq]) => (this.seen.get(origin)?.mark ?? 0) >= seq);
      if (covered) this.graves.delete(key);
    }
    return collected;
  }

  /** Graves still held (collected tombstones not yet safe to forget entirely). */
  get graveCount(): number {
    return this.graves.size;
  }

  toSnapshot(): IndexSnapshot {
    const watermarks: Digest = {};
    const pending: Record<NodeId, number[]> = {};
    for (const [origin, tracker] of this.seen) {
      watermarks[origin] = tracker.mark;
      const above = tracker.pending();
      if (above.length > 0) pending[origin] = above;
    }
    return {
      format: 1,
      self: this.self,
      ownSeq: this.ownSeq,
      changes: this.changes,
      watermarks,
      pending,
      facts: [...this.winners.values()],
      graves: [...this.graves.values()],
    };
  }

  /** Rebuilds an index; everything in a snapshot is on disk, so own facts count as durable. */
  static fromSnapshot(snapshot: IndexSnapshot, hlc: HybridClock, options: ReplicatedIndexOptions = {}): ReplicatedIndex {
    if (snapshot.self !== hlc.node) throw new Error(`snapshot belongs to ${snapshot.self}, not ${hlc.node}`);
    const index = new ReplicatedIndex(snapshot.self, hlc, options);
    for (const [origin, mark] of Object.entries(snapshot.watermarks)) {
      index.seen.set(origin, new SeqTracker(mark, snapshot.pending[origin] ?? []));
    }
    for (const fact of snapshot.facts) {
      hlc.observe(fact.version);
      index.store(fact);
    }
    for (const grave of snapshot.graves) index.graves.set(grave.key, grave);
    index.ownSeq = Math.max(snapshot.ownSeq, index.seen.get(snapshot.self)?.max ?? 0);
    index.changes = snapshot.changes;
    index.markAllDurable();
    return index;
  }

  /** Declares every own fact so far durable (after a restore from disk). */
  markAllDurable(): void {
    this.durableOwn?.raiseTo(this.ownSeq);
  }

  private local(key: string, value: IndexValue | null): Fact {
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
      throw new RangeError(`index keys are 1 to ${MAX_KEY_LENGTH} characters`);
    }
    let version = this.hlc.now();
    const current = this.winners.get(key)?.version ?? this.graves.get(key)?.version;
    if (current && compareHlc(current, version) >= 0) {
      // The current value was stamped by a clock ahead of ours (its stamp was refused as
      // drift). The user wrote after seeing it, so the write must still win: order it next.
      version = { wall: current.wall, counter: current.counter + 1, node: this.self };
      this.hlc.observe(version);
    }
    const fact: Fact = { origin: this.self, seq: this.ownSeq + 1, key, value, version };
    this.ownSeq = fact.seq;
    this.creating = fact;
    this.applyOne(fact, { winners: [], fresh: [] });
    this.creating = null;
    return fact;
  }

  /**
   * Our own facts coming back from peers (this node lost its disk, or restored an older
   * snapshot): never reuse their seqs, and they are durable elsewhere, so do not hold them
   * back from deltas.
   */
  private learnOwn(seq: number): void {
    if (seq > this.ownSeq) this.ownSeq = seq;
    this.durableOwn?.raiseTo(seq);
  }

  private applyOne(fact: Fact, report: ApplyReport): void {
    const tracker = this.tracker(fact.origin);
    // At or below the watermark means seen already, or superseded (see advance): ignore.
    if (!tracker.add(fact.seq)) return;
    if (fact.origin === this.self && fact !== this.creating) this.learnOwn(fact.seq);
    report.fresh.push(fact);
    this.hlc.observe(fact.version);
    const grave = this.graves.get(fact.key);
    if (grave && compareHlc(fact.version, grave.version) <= 0) return;
    const current = this.winners.get(fact.key);
    if (current && compareHlc(fact.version, current.version) <= 0) return;
    if (current) this.drop(current);
    this.graves.delete(fact.key);
    this.store(fact);
    this.changes++;
    report.winners.push(fact);
  }

  private store(fact: Fact): void {
    this.winners.set(fact.key, fact);
    this.byOrigin.add(fact);
    if (fact.value === null) this.tombstoneKeys.add(fact.key);
  }

  private drop(fact: Fact): void {
    this.winners.delete(fact.key);
    this.byOrigin.delete(fact);
    this.tombstoneKeys.delete(fact.key);
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
