import type { Logger } from 'pino';
import { MAX_FACTS_PER_FRAME } from '../gossip/frames';
import type { AntiEntropyFrame, DeltaFrame, Digest, Fact, NodeId } from '../gossip/frames';
import type { Clock, TimerHandle } from '../time/clock';
import { pickRandom } from '../time/random';
import type { Random } from '../time/random';
import type { IndexValue, ReplicatedIndex } from './replicatedIndex';
import type { LogRecord, RecordSink } from './records';

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
}

export const DEFAULT_ANTI_ENTROPY_CONFIG: Readonly<AntiEntropyConfig> = Object.freeze({
  intervalMs: 1_000,
  fanout: 1,
  pushFanout: 'all',
  forwardPushes: false,
  maxFactsPerFrame: MAX_FACTS_PER_FRAME,
});

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
  log: RecordSink;
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
  private readonly maxFacts: number;
  private readonly peerDigests = new Map<NodeId, Digest>();
  private readonly activityListeners = new Set<(activity: GossipActivity) => void>();
  private readonly changeListeners = new Set<ChangeListener>();
  /** Own facts whose log append failed: retried with the next write and every round. */
  private unsaved: Fact[] = [];
  private timer: TimerHandle | null = null;

  constructor(private readonly deps: AntiEntropyDeps) {
    this.config = { ...DEFAULT_ANTI_ENTROPY_CONFIG, ...deps.config };
    this.maxFacts = Math.max(1, Math.min(this.config.maxFactsPerFrame, MAX_FACTS_PER_FRAME));
  }

  start(): void {
    if (this.timer) return;
    // A random first delay keeps nodes started together from gossiping in lockstep.
    this.schedule(this.deps.random() * this.config.intervalMs);
  }

  stop(): void {
    if (this.timer) this.deps.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  /** Resolves once the change is durable here; peers get it right after. */
  write(key: string, value: IndexValue): Promise<Fact> {
    return this.commit(this.deps.index.put(key, value));
  }

  remove(key: string): Promise<Fact> {
    return this.commit(this.deps.index.remove(key));
  }

  handleFrame(from: NodeId, frame: AntiEntropyFrame): void {
    if (frame.type === 'digest') {
      this.emit('digest', from, 0, 'in');
      this.notePeerDigest(from, frame.digest);
      const { facts, upTo } = this.deps.index.deltaFor(frame.digest, this.maxFacts);
      this.sendFrame(from, { type: 'delta', facts, upTo, digest: this.deps.index.digest() });
      return;
    }
    const isPush = frame.upTo === undefined && frame.digest === undefined;
    this.emit(isPush ? 'push' : 'delta', from, frame.facts.length, 'in');
    const winners = this.applyDelta(from, frame);
    if (frame.digest) {
      this.notePeerDigest(from, frame.digest);
      const { facts, upTo } = this.deps.index.deltaFor(frame.digest, this.maxFacts);
      if (facts.length > 0 || Object.keys(upTo).length > 0) this.sendFrame(from, { type: 'delta', facts, upTo });
    }
    // Only facts new to us are forwarded, so each node forwards a fact at most once.
    if (isPush && this.config.forwardPushes && winners.length > 0) {
      const peers = this.deps.livePeers().filter((peer) => peer !== from);
      this.push(winners, this.pushTargets(peers));
    }
  }

  /**
   * Drops tombstones every member is known to cover; see ReplicatedIndex.collectTombstones.
   * Logged so that a restart does not bring them back.
   */
  async collectTombstones(members: NodeId[]): Promise<number> {
    const collected = this.deps.index.collectTombstones(this.peerDigests, members);
    if (collected > 0) {
      this.deps.logger.debug({ collected }, 'tombstones collected');
      await this.deps.log.append([{ t: 'gc', peerDigests: Object.fromEntries(this.peerDigests), members }]);
    }
    return collected;
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

  private applyDelta(from: NodeId, frame: DeltaFrame): Fact[] {
    const index = this.deps.index;
    const drift = index.clockDriftRejections;
    const { winners, fresh } = index.applyReport(frame.facts);
    const records: LogRecord[] = [];
    if (fresh.length > 0) records.push({ t: 'facts', facts: fresh });
    if (frame.upTo && Object.keys(frame.upTo).length > 0) {
      index.advance(frame.upTo);
      records.push({ t: 'upTo', upTo: frame.upTo });
    }
    if (index.clockDriftRejections > drift) {
      this.deps.logger.warn({ peer: from, refused: index.clockDriftRejections - drift }, 'peer facts stamped too far in the future');
    }
    // Remote facts are not acknowledged to anyone, so the next round need not wait for disk.
    if (records.length > 0) {
      this.deps.log.append(records).catch((error: unknown) => this.deps.logger.error({ err: error }, 'index log append failed'));
    }
    if (winners.length > 0) this.notifyChange(winners, from);
    return winners;
  }

  private async commit(fact: Fact): Promise<Fact> {
    const facts = [...this.unsaved.splice(0), fact];
    try {
      await this.deps.log.append([{ t: 'facts', facts }]);
    } catch (error) {
      this.unsaved.push(...facts);
      throw error;
    }
    for (const saved of facts) this.deps.index.markDurable(saved.seq);
    // A retried fact may have been overwritten meanwhile: only current winners are news.
    const winners = facts.filter((saved) => this.deps.index.getFact(saved.key) === saved);
    if (winners.length > 0) this.notifyChange(winners, this.deps.self);
    this.push(facts, this.pushTargets(this.deps.livePeers()));
    return fact;
  }

  private tick(): void {
    this.timer = null;
    const digest = this.deps.index.digest();
    for (const peer of pickRandom(this.deps.livePeers(), this.config.fanout, this.deps.random)) {
      this.sendFrame(peer, { type: 'digest', digest });
    }
    if (this.unsaved.length > 0) {
      const retry = this.unsaved.pop()!;
      this.commit(retry).catch((error: unknown) =>
        this.deps.logger.warn({ err: error, unsaved: this.unsaved.length }, 'own facts still not durable'),
      );
    }
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

  private push(facts: Fact[], peers: NodeId[]): void {
    for (let i = 0; i < facts.length; i += this.maxFacts) {
      const chunk = facts.slice(i, i + this.maxFacts);
      for (const peer of peers) this.sendFrame(peer, { type: 'delta', facts: chunk });
    }
  }

  private sendFrame(peer: NodeId, frame: AntiEntropyFrame): void {
    const kind = frame.type === 'digest' ? 'digest' : frame.upTo || frame.digest ? 'delta' : 'push';
    this.deps.send(peer, frame);
    this.emit(kind, peer, frame.type === 'delta' ? frame.facts.length : 0, 'out');
  }

  /** Digests only grow, but frames can overtake each other: keep the per-origin maximum. */
  private notePeerDigest(peer: NodeId, digest: Digest): void {
    const merged: Digest = { ...this.peerDigests.get(peer) };
    for (const [origin, seq] of Object.entries(digest)) merged[origin] = Math.max(merged[origin] ?? 0, seq);
    this.peerDigests.set(peer, merged);
  }

  private emit(kind: GossipActivity['kind'], peer: NodeId, facts: number, direction: 'in' | 'out'): void {
    for (const listener of this.activityListeners) listener({ kind, peer, facts, direction });
  }

  private notifyChange(facts: Fact[], from: NodeId): void {
    for (const listener of this.changeListeners) listener(facts, from);
  }
}
