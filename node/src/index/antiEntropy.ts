import type { Logger } from 'pino';
import { MAX_DELTA_BYTES, MAX_FACTS_PER_FRAME, MAX_KEY_LENGTH } from '../gossip/frames';
import type { AntiEntropyFrame, DeltaFrame, Digest, Fact, NodeId } from '../gossip/frames';
import type { Clock, TimerHandle } from '../time/clock';
import { pickRandom } from '../time/random';
import type { Random } from '../time/random';
import { factBytes, type DeltaLimits, type IndexValue, type ReplicatedIndex } from './replicatedIndex';
import type { IndexCommitter } from './indexCommitter';

export interface AntiEntropyConfig {
  /** How often a node sends its digest to random live peers. */
  intervalMs: number;
  /** Peers per anti-entropy round. */
  fanout: number;
  /** Peers a new fact is pushed to at once ('all' in a small mesh). */
  pushFanout: number | 'all';
  /** Forward facts learnt by push once more (rumour spreading, for large meshes). */
  forwardPushes: boolean;
  /** Facts per delta frame; capped by the wire limit. */
  maxFactsPerFrame: number;
  /** Serialised facts per delta frame (at least one fact is always sent). */
  maxBytesPerFrame: number;
  /** Answer each push, once it is on disk, with a `durable` frame (what awaitPeerCopies waits for). */
  durableAcks: boolean;
  /**
   * For an index that started empty: before its first own write, hear every member's digest
   * (or wait this long), so that its own seqs continue after those the peers hold. A node that
   * lost its disk would otherwise number its new facts from 1 again: peers ignore them as seen,
   * and it ignores its old facts with those numbers. 0 = write at once (simulations).
   */
  learnOwnSeqMs: number;
}

export const DEFAULT_ANTI_ENTROPY_CONFIG: Readonly<AntiEntropyConfig> = Object.freeze({
  intervalMs: 1_000,
  fanout: 1,
  pushFanout: 'all',
  forwardPushes: false,
  maxFactsPerFrame: MAX_FACTS_PER_FRAME,
  maxBytesPerFrame: MAX_DELTA_BYTES,
  durableAcks: true,
  learnOwnSeqMs: 0,
});

/** Fewer peers than asked for confirmed a change on disk in time. */
export class CopiesTimeoutError extends Error {
  constructor(readonly holders: NodeId[]) {
    super(`only ${holders.length} peer(s) confirmed the change on disk in time`);
    this.name = 'CopiesTimeoutError';
  }
}

interface CopyWaiter {
  check(): void;
}

export interface GossipActivity {
  kind: 'push' | 'digest' | 'delta';
  peer: NodeId;
  facts: number;
  direction: 'in' | 'out';
}

export type ChangeListener = (facts: readonly Fact[], from: NodeId) => void;

export interface AntiEntropyDeps {
  self: NodeId;
  index: ReplicatedIndex;
  /** Every change goes through it: durable before anyone hears of it. */
  committer: IndexCommitter;
  send: (to: NodeId, frame: AntiEntropyFrame) => void;
  livePeers: () => NodeId[];
  clock: Clock;
  random: Random;
  logger: Logger;
  config?: Partial<AntiEntropyConfig>;
  /** Every member, dead ones too. When given, each round also collects covered tombstones. */
  members?: () => NodeId[];
}

/**
 * Drives the scuttlebutt protocol over a ReplicatedIndex: eager push of new facts, and once
 * per interval a digest to random peers, answered with exactly the facts the digest lacks.
 * An answer carries the answerer's digest so that one more answer closes the gap the other
 * way; that last answer carries no digest, so an exchange is at most three frames.
 */
export class AntiEntropy {
  private readonly config: AntiEntropyConfig;
  private readonly limits: DeltaLimits;
  private readonly peerDigests = new Map<NodeId, Digest>();
  /**
   * Catch-ups in progress, per peer. An answer is capped in bytes, so a node far behind (wiped,
   * or back from a long partition) would take one capped answer per interval. Instead it asks
   * for the next part as soon as an answer arrives, while that answer is being stored (two at
   * most waiting for the disk), for as long as the peer has more and answers bring something.
   */
  private readonly catchingUp = new Map<NodeId, CatchUp>();
  private readonly activityListeners = new Set<(activity: GossipActivity) => void>();
  private readonly changeListeners = new Set<ChangeListener>();
  private readonly copyWaiters = new Set<CopyWaiter>();
  private timer: TimerHandle | null = null;
  /** Resolves once this node may number its own facts (see learnOwnSeqMs). */
  private readonly ownSeqLearnt: Promise<void>;
  private finishLearning: (() => void) | undefined;
  private readonly heardFrom = new Set<NodeId>();

  constructor(private readonly deps: AntiEntropyDeps) {
    this.config = { ...DEFAULT_ANTI_ENTROPY_CONFIG, ...deps.config };
    this.limits = {
      maxFacts: Math.max(1, Math.min(this.config.maxFactsPerFrame, MAX_FACTS_PER_FRAME)),
      maxBytes: Math.max(1, Math.min(this.config.maxBytesPerFrame, MAX_DELTA_BYTES)),
    };
    if (this.config.learnOwnSeqMs > 0 && deps.index.startedEmpty) {
      this.ownSeqLearnt = new Promise((resolve) => {
        const timer = deps.clock.setTimeout(() => {
          deps.logger.warn({ heardFrom: [...this.heardFrom] }, 'not every member answered; numbering own facts from what the others hold');
          done();
        }, this.config.learnOwnSeqMs);
        const done = () => {
          deps.clock.clearTimeout(timer);
          this.finishLearning = undefined;
          resolve();
        };
        this.finishLearning = done;
      });
    } else {
      this.ownSeqLearnt = Promise.resolve();
    }
  }

  start(): void {
    if (this.timer) return;
    // An empty index asks every member at once how far its own facts go.
    if (this.finishLearning) for (const peer of this.otherMembers()) this.sendFrame(peer, { type: 'digest', digest: this.deps.index.digest() });
    // A random first delay keeps nodes started together from gossiping in lockstep.
    this.schedule(this.deps.random() * this.config.intervalMs);
  }

  stop(): void {
    if (this.timer) this.deps.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  /** Resolves once the change is durable here; peers get it right after. */
  async write(key: string, value: IndexValue): Promise<Fact> {
    return (await this.writeMany([{ key, value }]))[0]!;
  }

  async remove(key: string): Promise<Fact> {
    return (await this.writeMany([{ key, value: null }]))[0]!;
  }

  /** Several changes in one transaction: all of them are durable, or none (null deletes). */
  async writeMany(entries: Array<{ key: string; value: IndexValue | null }>): Promise<Fact[]> {
    // Only while learning: an extra await would let a write's commit slip a turn everywhere.
    if (this.finishLearning) await this.ownSeqLearnt;
    for (const { key } of entries) {
      if (key.length === 0 || key.length > MAX_KEY_LENGTH) throw new RangeError(`index keys are 1 to ${MAX_KEY_LENGTH} characters`);
    }
    const { facts, winners } = await this.deps.committer.submit({ kind: 'write', entries });
    if (winners.length > 0) this.notifyChange(winners, this.deps.self);
    this.push(facts, this.pushTargets(this.deps.livePeers()));
    return facts;
  }

  handleFrame(from: NodeId, frame: AntiEntropyFrame): void {
    if (frame.type === 'durable') {
      this.notePeerDigest(from, frame.digest);
      return;
    }
    if (frame.type === 'digest') {
      this.emit('digest', from, 0, 'in');
      this.notePeerDigest(from, frame.digest);
      const { facts, upTo } = this.deps.index.deltaFor(frame.from ? maxDigest(frame.digest, frame.from) : frame.digest, this.limits);
      this.sendFrame(from, { type: 'delta', facts, upTo, digest: this.deps.index.digest() });
      return;
    }
    const isPush = frame.upTo === undefined && frame.digest === undefined;
    this.emit(isPush ? 'push' : 'delta', from, frame.facts.length, 'in');
    // An answer to a digest of ours carries the peer's digest.
    if (!frame.digest) {
      void this.applyDelta(from, frame, isPush);
      return;
    }
    this.catchUp(from, frame);
    this.notePeerDigest(from, frame.digest);
    this.continueCatchUp(from);
    const { facts, upTo } = this.deps.index.deltaFor(frame.digest, this.limits);
    if (facts.length > 0 || Object.keys(upTo).length > 0) this.sendFrame(from, { type: 'delta', facts, upTo });
  }

  /**
   * Stores an answer after the answers before it from the same peer: an answer's `upTo` raises
   * watermarks, which is only right once the parts before it are on disk. If one fails, the
   * ones after it are dropped; the next round asks again from what is on disk.
   */
  private catchUp(from: NodeId, frame: DeltaFrame): void {
    let state = this.catchingUp.get(from);
    if (!state) {
      state = { reach: this.deps.index.digest(), stored: Promise.resolve(true), waiting: 0, asking: false, progressed: false, failed: false };
      this.catchingUp.set(from, state);
    }
    const current = state;
    current.asking = false;
    const before = digestTotal(current.reach);
    current.reach = reachAfter(current.reach, frame);
    current.progressed = digestTotal(current.reach) > before;
    // The first answer is stored at once (in memory, before this returns); later ones after it.
    const stored = current.waiting === 0 ? this.applyDelta(from, frame, false) : current.stored.then((ok) => ok && this.applyDelta(from, frame, false));
    current.waiting++;
    current.stored = stored.then((ok) => {
      current.waiting--;
      if (!ok) current.failed = true;
      this.continueCatchUp(from);
      return ok;
    });
  }

  /** Drops tombstones every member is known to cover; see ReplicatedIndex.collectTombstones. */
  async collectTombstones(members: NodeId[]): Promise<number> {
    // Nothing to collect or forget: no need for a commit (and an fsync) every round.
    const index = this.deps.index;
    if (index.tombstoneCount === 0 && index.store.gravesAfter('', 1).length === 0) return 0;
    const { collected } = await this.deps.committer.submit({ kind: 'gc', peerDigests: new Map(this.peerDigests), members });
    if (collected > 0) this.deps.logger.debug({ collected }, 'tombstones collected');
    return collected;
  }

  /**
   * Resolves with the peers whose disk holds `fact` (or a later change of its key) once at
   * least `needed` of them do, as their digests and `durable` answers to our pushes say;
   * rejects with CopiesTimeoutError after `timeoutMs`.
   */
  awaitPeerCopies(fact: Fact, needed: number, timeoutMs: number): Promise<NodeId[]> {
    const holders = () => [...this.peerDigests].filter(([, digest]) => (digest[fact.origin] ?? 0) >= fact.seq).map(([peer]) => peer);
    const already = holders();
    if (already.length >= needed) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const timer = this.deps.clock.setTimeout(() => {
        this.copyWaiters.delete(waiter);
        reject(new CopiesTimeoutError(holders()));
      }, timeoutMs);
      const waiter: CopyWaiter = {
        check: () => {
          const now = holders();
          if (now.length < needed) return;
          this.copyWaiters.delete(waiter);
          this.deps.clock.clearTimeout(timer);
          resolve(now);
        },
      };
      this.copyWaiters.add(waiter);
    });
  }

  /** The latest digest a peer has sent us (what it is known to have). */
  peerDigest(peer: NodeId): Digest | undefined {
    return this.peerDigests.get(peer);
  }

  onActivity(listener: (activity: GossipActivity) => void): () => void {
    this.activityListeners.add(listener);
    return () => this.activityListeners.delete(listener);
  }

  /** Facts that became the winner of their key, from a peer or from a local write (from = self). */
  onChange(listener: ChangeListener): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /**
   * Stores what a peer sent; listeners hear of it, and pushes are forwarded, only once it is
   * durable. A batch that cannot be stored is simply dropped: our digest does not move, so
   * the facts come again with the next exchange.
   */
  private applyDelta(from: NodeId, frame: DeltaFrame, isPush: boolean): Promise<boolean> {
    const index = this.deps.index;
    const drift = index.clockDriftRejections;
    const upTo = frame.upTo && Object.keys(frame.upTo).length > 0 ? frame.upTo : undefined;
    if (frame.facts.length === 0 && !upTo) return Promise.resolve(true);
    return this.deps.committer.submit({ kind: 'delta', facts: frame.facts, upTo }).then(
      ({ winners }) => {
        // The writer may be counting copies before it answers its client (W=2).
        if (isPush && this.config.durableAcks) this.sendFrame(from, { type: 'durable', digest: index.digest() });
        if (index.clockDriftRejections > drift) {
          this.deps.logger.warn({ peer: from, refused: index.clockDriftRejections - drift }, 'peer facts stamped too far in the future');
        }
        if (winners.length === 0) return true;
        this.notifyChange(winners, from);
        // Only facts new to us are forwarded, so each node forwards a fact at most once.
        if (isPush && this.config.forwardPushes) {
          this.push(winners, this.pushTargets(this.deps.livePeers().filter((peer) => peer !== from)));
        }
        return true;
      },
      (error: unknown) => {
        this.deps.logger.debug({ peer: from, err: error }, 'facts from a peer not stored; they will come again');
        return false;
      },
    );
  }

  /**
   * Asks `peer` for the next part of a catch-up at once if it holds more than we will once the
   * answers on their way to disk are stored, the last answer brought something, and at most one
   * answer is waiting for the disk; forgets the catch-up when it is over.
   */
  private continueCatchUp(peer: NodeId): void {
    const state = this.catchingUp.get(peer);
    if (!state || state.asking) return;
    const theirs = this.peerDigests.get(peer);
    const more = theirs !== undefined && Object.entries(theirs).some(([origin, seq]) => seq > (state.reach[origin] ?? 0));
    if (!state.failed && state.progressed && more && state.waiting < CATCH_UP_DEPTH) {
      state.asking = true;
      this.sendFrame(peer, { type: 'digest', digest: this.deps.index.digest(), from: state.reach });
      return;
    }
    if (state.waiting === 0 && (state.failed || !state.progressed || !more)) this.catchingUp.delete(peer);
  }

  private tick(): void {
    this.timer = null;
    const digest = this.deps.index.digest();
    const peers = this.finishLearning
      ? this.otherMembers().filter((member) => !this.heardFrom.has(member))
      : pickRandom(this.deps.livePeers(), this.config.fanout, this.deps.random);
    for (const peer of peers) this.sendFrame(peer, { type: 'digest', digest });
    if (this.deps.members) {
      this.collectTombstones(this.deps.members()).catch((error: unknown) =>
        this.deps.logger.error({ err: error }, 'tombstone collection not logged'),
      );
    }
    this.schedule(this.config.intervalMs);
  }

  private schedule(ms: number): void {
    this.timer = this.deps.clock.setTimeout(() => this.tick(), ms);
  }

  private pushTargets(peers: NodeId[]): NodeId[] {
    const { pushFanout } = this.config;
    return pushFanout === 'all' ? peers : pickRandom(peers, pushFanout, this.deps.random);
  }

  /** Sends facts in frames within the delta limits. */
  private push(facts: Fact[], peers: NodeId[]): void {
    if (peers.length === 0) return;
    let chunk: Fact[] = [];
    let bytes = 0;
    const flush = () => {
      for (const peer of peers) this.sendFrame(peer, { type: 'delta', facts: chunk });
      chunk = [];
      bytes = 0;
    };
    for (const fact of facts) {
      const size = factBytes(fact);
      if (chunk.length > 0 && (chunk.length >= this.limits.maxFacts || bytes + size > this.limits.maxBytes)) flush();
      chunk.push(fact);
      bytes += size;
    }
    if (chunk.length > 0) flush();
  }

  private sendFrame(peer: NodeId, frame: AntiEntropyFrame): void {
    this.deps.send(peer, frame);
    if (frame.type === 'durable') return;
    const kind = frame.type === 'digest' ? 'digest' : frame.upTo || frame.digest ? 'delta' : 'push';
    this.emit(kind, peer, frame.type === 'delta' ? frame.facts.length : 0, 'out');
  }

  /** Digests only grow, but frames can overtake each other: keep the per-origin maximum. */
  private otherMembers(): NodeId[] {
    return (this.deps.members?.() ?? this.deps.livePeers()).filter((node) => node !== this.deps.self);
  }

  private notePeerDigest(peer: NodeId, digest: Digest): void {
    if (this.finishLearning) {
      this.deps.index.learnOwn(digest[this.deps.self] ?? 0);
      this.heardFrom.add(peer);
      if (this.otherMembers().every((member) => this.heardFrom.has(member))) this.finishLearning();
    }
    const merged: Digest = { ...this.peerDigests.get(peer) };
    for (const [origin, seq] of Object.entries(digest)) merged[origin] = Math.max(merged[origin] ?? 0, seq);
    this.peerDigests.set(peer, merged);
    for (const waiter of [...this.copyWaiters]) waiter.check();
  }

  private emit(kind: GossipActivity['kind'], peer: NodeId, facts: number, direction: 'in' | 'out'): void {
    for (const listener of this.activityListeners) listener({ kind, peer, facts, direction });
  }

  private notifyChange(facts: Fact[], from: NodeId): void {
    for (const listener of this.changeListeners) listener(facts, from);
  }
}

/** Answers of one catch-up that may wait for the disk at once. */
const CATCH_UP_DEPTH = 2;

interface CatchUp {
  /** What this node will hold once the answers on their way to disk are stored. */
  reach: Digest;
  /** Settles when the last answer taken is stored (true) or dropped (false). */
  stored: Promise<boolean>;
  /** Answers not stored yet. */
  waiting: number;
  /** An ask for the next part is out. */
  asking: boolean;
  /** The last answer brought facts or moved `reach`: without that, asking again could loop. */
  progressed: boolean;
  failed: boolean;
}

/** What a node will hold once `frame` is stored on top of `reach`: its upTo, and facts that continue a run. */
function reachAfter(reach: Digest, frame: DeltaFrame): Digest {
  const out = maxDigest(reach, frame.upTo ?? {});
  for (const fact of [...frame.facts].sort((x, y) => x.seq - y.seq)) {
    if (fact.seq === (out[fact.origin] ?? 0) + 1) out[fact.origin] = fact.seq;
  }
  return out;
}

function maxDigest(a: Digest, b: Digest): Digest {
  const out: Digest = { ...a };
  for (const [origin, seq] of Object.entries(b)) out[origin] = Math.max(out[origin] ?? 0, seq);
  return out;
}

function digestTotal(digest: Digest): number {
  let total = 0;
  for (const seq of Object.values(digest)) total += seq;
  return total;
}
