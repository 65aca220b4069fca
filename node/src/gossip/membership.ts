import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../time/clock';
import type { Random } from '../time/random';
import type { MemberState, MemberUpdate, MembershipFrame, NodeId, PingReqFrame } from './frames';
import { BroadcastQueue } from './broadcastQueue';
import { PeerSet, ProbeOrder } from './probeOrder';
import { RttEstimator } from './rttEstimator';
import { Suspicion } from './suspicion';
import { suspicionBounds, type SwimConfig } from './swimConfig';

export interface MemberView {
  id: NodeId;
  state: MemberState;
  incarnation: number;
  /** Smoothed round trip of the link, null for self or before the first sample. */
  rttMs: number | null;
  stateSince: number;
}
export interface MemberChange {
  node: NodeId;
  from: MemberState | undefined;
  to: MemberState;
  incarnation: number;
}
export interface ProbeEvent {
  peer: NodeId;
  /** Direct round trip, or null when only a relay answered or nobody did. */
  rttMs: number | null;
}
export interface MembershipOptions {
  self: NodeId;
  /** Configured peers: alive at incarnation 0 until they speak, so they are probed at once. */
  seeds: readonly NodeId[];
  /** The persisted incarnation + 1, so a restarted node outranks what others remember. */
  incarnation: number;
  config: SwimConfig;
  clock: Clock;
  random: Random;
  send: (to: NodeId, frame: MembershipFrame) => void;
  logger: Logger;
}

interface Member {
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
interface Probe {
  target: NodeId;
  seqs: number[];
  done: boolean;
}
type Pending =
  | { kind: 'probe'; probe: Probe; sentAt: number; direct: boolean }
  | { kind: 'relay'; target: NodeId; requester: NodeId; requesterSeq: number; sentAt: number }
  | { kind: 'retry'; target: NodeId; sentAt: number };

/**
 * SWIM membership with Lifeguard-style suspicion (DESIGN §3). Probing: one peer per period in
 * a fixed random order; ping → ack within the link's adaptive timeout, else ping-req through
 * `indirectChecks` relays plus a direct re-ping, else suspect.
 *
 * False suspicions at 10 % loss per frame (3 nodes, one relay): the direct ping fails with
 * p = 1-0.9² = 0.19, the re-ping likewise, each of the 3 relayed paths (4 frames) with
 * 1-0.9⁴ = 0.34, so a probe of a live peer fails with 0.19·0.19·0.34³ ≈ 0.15 %, about 5
 * false suspicions per 10 minutes in the mesh. Each is told to the suspect at once and on
 * every later frame to it, and refuted within about one round trip; it could only end in a
 * death if the other survivor also failed a probe (another 0.15 %, cutting the timeout to its
 * 1 s minimum) and every exchange in that second were lost.
 */
export class Membership {
  private readonly self: NodeId;
  private readonly cfg: SwimConfig;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly log: Logger;
  private readonly table = new Map<NodeId, Member>();
  private readonly counts: Record<MemberState, number> = { alive: 1, suspect: 0, dead: 0 };
  private readonly live = new PeerSet();
  private readonly order: ProbeOrder;
  private readonly queue: BroadcastQueue;
  private readonly rtt: RttEstimator;
  private readonly probes = new Map<NodeId, Probe>();
  private readonly pending = new Map<number, Pending>();
  private recentDead: Array<{ id: NodeId; at: number }> = [];
  private readonly changeListeners = new Set<(change: MemberChange) => void>();
  private readonly probeListeners = new Set<(probe: ProbeEvent) => void>();
  private readonly timers: TimerHandle[] = [];
  private inc: number;
  private seq = 0;
  private running = false;
  private readonly createdAt: number;

  constructor(private readonly opts: MembershipOptions) {
    this.self = opts.self;
    this.cfg = opts.config;
    this.clock = opts.clock;
    this.random = opts.random;
    this.inc = opts.incarnation;
    this.createdAt = opts.clock.now();
    this.log = opts.logger;
    this.order = new ProbeOrder(opts.random);
    this.queue = new BroadcastQueue(opts.config.retransmitMult);
    this.rtt = new RttEstimator({ minTimeoutMs: opts.config.minProbeTimeoutMs, maxTimeoutMs: opts.config.maxProbeTimeoutMs });
    for (const seed of opts.seeds) if (seed !== this.self) this.addMember(seed, 'alive', 0, seed);
  }

  get incarnation(): number {
    return this.inc;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.queue.enqueue(this.selfAlive());
    // A random phase, so that nodes started together do not probe in lockstep.
    this.loop(() => this.probeTick(), this.cfg.protocolPeriodMs);
    this.loop(() => this.gossipTick(), this.cfg.gossipIntervalMs);
    if (this.cfg.stateSyncIntervalMs > 0) this.loop(() => this.syncTick(), this.cfg.stateSyncIntervalMs);
  }

  stop(): void {
    this.running = false;
    for (const t of this.timers.splice(0)) this.clock.clearTimeout(t);
    for (const m of this.table.values()) m.suspicion?.cancel();
  }

  onChange(listener: (change: MemberChange) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  onProbe(listener: (probe: ProbeEvent) => void): () => void {
    this.probeListeners.add(listener);
    return () => this.probeListeners.delete(listener);
  }

  /** Every known node, self first. */
  members(): MemberView[] {
    const views: MemberView[] = [{ id: this.self, state: 'alive', incarnation: this.inc, rttMs: null, stateSince: this.createdAt }];
    for (const m of this.table.values()) views.push(this.view(m));
    return views;
  }

  member(id: NodeId): MemberView | undefined {
    const m = this.table.get(id);
    return m ? this.view(m) : undefined;
  }

  /** Alive and suspect peers (not self): the targets of gossip and replication. */
  livePeers(): NodeId[] {
    return this.live.toArray();
  }

  /** Members per state, self included (O(1), for convergence checks in big simulations). */
  stateCounts(): Readonly<Record<MemberState, number>> {
    return { ...this.counts };
  }

  handleFrame(from: NodeId, frame: MembershipFrame): void {
    if (!this.running || from === this.self) return;
    let staleAboutSelf = false;
    const updates = Array.isArray(frame.updates) ? frame.updates : [];
    for (const update of updates) if (this.apply(update)) staleAboutSelf = true;
    const sender = this.table.get(from);
    // A dead peer that talks to us is reachable: retry it now rather than at its backoff.
    if (sender?.state === 'dead') this.scheduleRetry(sender, 0);
    switch (frame.type) {
      case 'ping':
        if (frame.target !== this.self) return;
        this.sendTo(from, { type: 'ack', seq: frame.seq, updates: this.piggyback(from, staleAboutSelf) });
        return;
      case 'ack':
        this.onAck(from, frame.seq);
        break;
      case 'ping-req':
        this.relay(from, frame);
        break;
      case 'gossip':
        break;
    }
    if (staleAboutSelf) this.sendTo(from, { type: 'gossip', updates: [this.selfAlive()] });
  }

  // ---- probing ----

  private probeTick(): void {
    const target = this.order.next((id) => this.table.get(id)?.state !== 'dead' && !this.probes.has(id));
    if (target !== undefined) this.startProbe(target);
  }

  private startProbe(target: NodeId): void {
    const probe: Probe = { target, seqs: [], done: false };
    this.probes.set(target, probe);
    const timeout = this.rtt.timeoutMs(target);
    this.pingFor(probe);
    this.after(timeout, () => {
      if (probe.done) return;
      this.pingFor(probe);
      // The relay's leg to the target is unmeasured; by the triangle inequality it is at
      // most the relay's round trip plus ours to the target.
      let window = timeout;
      for (const relay of this.relays(target)) {
        const seq = this.nextSeq(probe);
        this.pending.set(seq, { kind: 'probe', probe, sentAt: this.clock.now(), direct: false });
        this.sendTo(relay, { type: 'ping-req', seq, target, updates: this.piggyback(relay) });
        window = Math.max(window, 2 * this.rtt.timeoutMs(relay) + timeout);
      }
      this.after(window, () => this.probeFailed(probe));
    });
  }

  private relays(target: NodeId): NodeId[] {
    const distinct = this.live.sample(this.cfg.indirectChecks, this.random, target);
    const out: NodeId[] = [];
    for (let i = 0; distinct.length > 0 && i < this.cfg.indirectChecks; i++) out.push(distinct[i % distinct.length]!);
    return out;
  }

  private pingFor(probe: Probe): void {
    const seq = this.nextSeq(probe);
    this.pending.set(seq, { kind: 'probe', probe, sentAt: this.clock.now(), direct: true });
    this.sendTo(probe.target, { type: 'ping', seq, target: probe.target, updates: this.piggyback(probe.target) });
  }

  private probeFailed(probe: Probe): void {
    if (probe.done) return;
    this.finish(probe);
    this.emitProbe({ peer: probe.target, rttMs: null });
    const m = this.table.get(probe.target);
    if (m && m.state !== 'dead') this.suspect(m, m.incarnation, this.self);
  }

  private finish(probe: Probe): void {
    probe.done = true;
    if (this.probes.get(probe.target) === probe) this.probes.delete(probe.target);
    for (const seq of probe.seqs) this.pending.delete(seq);
  }

  private onAck(from: NodeId, seq: number): void {
    const p = this.pending.get(seq);
    if (!p) return;
    this.pending.delete(seq);
    const now = this.clock.now();
    if (p.kind === 'relay') {
      if (from === p.target) this.rtt.sample(p.target, now - p.sentAt);
      this.sendTo(p.requester, { type: 'ack', seq: p.requesterSeq, updates: this.piggyback(p.requester) });
    } else if (p.kind === 'retry') {
      if (from === p.target) this.rtt.sample(p.target, now - p.sentAt);
    } else if (!p.probe.done) {
      const rttMs = p.direct && from === p.probe.target ? now - p.sentAt : null;
      if (rttMs !== null) this.rtt.sample(p.probe.target, rttMs);
      this.finish(p.probe);
      this.emitProbe({ peer: p.probe.target, rttMs });
    }
  }

  private relay(requester: NodeId, frame: PingReqFrame): void {
    if (frame.target === this.self) {
      this.sendTo(requester, { type: 'ack', seq: frame.seq, updates: this.piggyback(requester) });
      return;
    }
    const seq = ++this.seq;
    const entry: Pending = { kind: 'relay', target: frame.target, requester, requesterSeq: frame.seq, sentAt: this.clock.now() };
    this.pending.set(seq, entry);
    this.sendTo(frame.target, { type: 'ping', seq, target: frame.target, updates: this.piggyback(frame.target) });
    this.expire(seq, entry);
  }

  // ---- dead peers: retries with backoff ----

  private scheduleRetry(m: Member, delayMs: number): void {
    const at = this.clock.now() + delayMs;
    if (m.retryAt !== undefined && m.retryAt <= at) return;
    m.retryAt = at;
    const gen = ++m.retryGen;
    this.after(delayMs, () => {
      if (m.retryGen !== gen || m.state !== 'dead') return;
      m.retryAt = undefined;
      const seq = ++this.seq;
      const entry: Pending = { kind: 'retry', target: m.id, sentAt: this.clock.now() };
      this.pending.set(seq, entry);
      // The ping carries dead(m) to m, which refutes it in the ack if it is up.
      this.sendTo(m.id, { type: 'ping', seq, target: m.id, updates: this.piggyback(m.id) });
      this.expire(seq, entry);
      this.scheduleRetry(m, m.retryDelayMs);
      m.retryDelayMs = Math.min(this.cfg.deadRetryMaxMs, m.retryDelayMs * 2);
    });
  }

  private expire(seq: number, entry: Pending): void {
    this.after(2 * this.cfg.maxProbeTimeoutMs, () => {
      if (this.pending.get(seq) === entry) this.pending.delete(seq);
    });
  }

  // ---- dissemination ----

  private gossipTick(): void {
    if (this.queue.size === 0) return;
    const now = this.clock.now();
    this.recentDead = this.recentDead.filter(
      (d) => now - d.at < this.cfg.gossipToTheDeadMs && this.table.get(d.id)?.state === 'dead',
    );
    const targets = this.live.sample(this.cfg.gossipFanout, this.random);
    // Recently dead peers compete for the slots left, so a false death still reaches its victim.
    for (const d of this.recentDead) if (targets.length < this.cfg.gossipFanout) targets.push(d.id);
    this.gossipTo(targets);
  }

  private gossipTo(targets: readonly NodeId[]): void {
    for (const to of targets) {
      const updates = this.piggyback(to);
      if (updates.length > 0) this.sendTo(to, { type: 'gossip', updates });
    }
  }

  /** One-way push of the whole table to a random live peer: repairs what gossip missed. */
  private syncTick(): void {
    const [to] = this.live.sample(1, this.random);
    if (to === undefined) return;
    const all: MemberUpdate[] = [this.selfAlive()];
    for (const m of this.table.values()) all.push({ kind: m.state, node: m.id, incarnation: m.incarnation, from: m.assertedBy });
    for (let i = 0; i < all.length; i += this.cfg.maxUpdatesPerFrame) {
      this.sendTo(to, { type: 'gossip', updates: all.slice(i, i + this.cfg.maxUpdatesPerFrame) });
    }
  }

  /** Updates for a frame to `to`: the suspicion it must hear about itself first, then the queue. */
  private piggyback(to: NodeId, assertSelf = false): MemberUpdate[] {
    const out: MemberUpdate[] = [];
    if (assertSelf) out.push(this.selfAlive());
    const m = this.table.get(to);
    if (m && m.state !== 'alive') out.push({ kind: m.state, node: to, incarnation: m.incarnation, from: m.assertedBy });
    for (const u of this.queue.take(this.cfg.maxUpdatesPerFrame - out.length, this.table.size + 1)) out.push(u);
    return out;
  }

  // ---- applying updates (the incarnation rules) ----

  /** Returns true when the sender holds a stale suspicion of us and should hear our alive. */
  private apply(u: MemberUpdate): boolean {
    if (u.node === this.self) return this.aboutSelf(u);
    const m = this.table.get(u.node);
    if (!m) {
      this.addMember(u.node, u.kind, u.incarnation, u.from);
      this.queue.enqueue(u);
      return false;
    }
    if (u.kind === 'alive') this.alive(m, u);
    else if (u.kind === 'suspect') this.suspect(m, u.incarnation, u.from);
    else this.dead(m, u.incarnation, u.from);
    return false;
  }

  private aboutSelf(u: MemberUpdate): boolean {
    if (u.kind === 'alive') {
      // Someone remembers a later incarnation of us (a previous life): outrank it.
      if (u.incarnation > this.inc) this.refute(u.incarnation);
      return false;
    }
    if (u.incarnation >= this.inc) this.refute(u.incarnation);
    return true;
  }

  private refute(heard: number): void {
    this.inc = Math.max(this.inc, heard) + 1;
    this.log.info({ incarnation: this.inc }, 'refuting suspicion of self');
    this.queue.enqueue(this.selfAlive());
    // Straight away to every live peer, on its own (taking from the queue per peer would use
    // up its retransmit budget on the first few): a refutation that waits for the next tick
    // may lose the race against a suspicion timeout.
    const frame: MembershipFrame = { type: 'gossip', updates: [this.selfAlive()] };
    for (const peer of this.live.toArray()) this.sendTo(peer, frame);
  }

  private alive(m: Member, u: MemberUpdate): void {
    if (u.incarnation <= m.incarnation) return;
    m.incarnation = u.incarnation;
    m.assertedBy = u.from;
    if (m.state !== 'alive') this.setState(m, 'alive');
    this.queue.enqueue(u);
  }

  private suspect(m: Member, incarnation: number, from: NodeId): void {
    if (incarnation < m.incarnation || m.state === 'dead') return;
    if (m.state === 'suspect') {
      m.incarnation = incarnation;
      if (m.suspicion?.confirm(from)) this.queue.enqueue({ kind: 'suspect', node: m.id, incarnation, from });
      return;
    }
    m.incarnation = incarnation;
    m.assertedBy = from;
    this.setState(m, 'suspect');
    this.queue.enqueue({ kind: 'suspect', node: m.id, incarnation, from });
    // Tell the suspect now: it is the one node that can end the suspicion.
    if (from === this.self) this.gossipTo([m.id]);
  }

  private dead(m: Member, incarnation: number, from: NodeId): void {
    if (incarnation < m.incarnation) return;
    if (m.state === 'dead') {
      m.incarnation = incarnation;
      return;
    }
    m.incarnation = incarnation;
    m.assertedBy = from;
    this.setState(m, 'dead');
    this.queue.enqueue({ kind: 'dead', node: m.id, incarnation, from });
    if (from === this.self) this.gossipTo(this.live.sample(this.cfg.gossipFanout, this.random));
  }

  // ---- the member table ----

  private addMember(id: NodeId, state: MemberState, incarnation: number, from: NodeId): void {
    const m: Member = { id, state: 'alive', incarnation, since: this.clock.now(), assertedBy: from, retryDelayMs: 0, retryGen: 0 };
    this.table.set(id, m);
    this.order.add(id);
    this.counts.alive++;
    this.live.add(id);
    this.emitChange({ node: id, from: undefined, to: 'alive', incarnation });
    if (state !== 'alive') this.setState(m, state);
  }

  private setState(m: Member, to: MemberState): void {
    const from = m.state;
    this.counts[from]--;
    this.counts[to]++;
    m.state = to;
    m.since = this.clock.now();
    m.suspicion?.cancel();
    m.suspicion = undefined;
    if (to === 'dead') {
      this.live.delete(m.id);
      this.recentDead.push({ id: m.id, at: m.since });
      m.retryDelayMs = this.cfg.deadRetryMinMs;
      m.retryAt = undefined;
      this.scheduleRetry(m, this.cfg.deadRetryMinMs);
    } else {
      this.live.add(m.id);
      m.retryGen++;
      m.retryAt = undefined;
    }
    if (to === 'suspect') {
      const { minMs, maxMs, k } = suspicionBounds(this.cfg, this.table.size + 1);
      m.suspicion = new Suspicion({
        from: m.assertedBy,
        k,
        minMs,
        maxMs,
        clock: this.clock,
        onTimeout: () => {
          if (this.running && m.state === 'suspect') this.dead(m, m.incarnation, this.self);
        },
      });
    }
    const level = to === 'alive' && from !== 'dead' ? 'debug' : 'info';
    this.log[level]({ peer: m.id, from, to, incarnation: m.incarnation }, 'member state changed');
    this.emitChange({ node: m.id, from, to, incarnation: m.incarnation });
  }

  // ---- plumbing ----

  private selfAlive(): MemberUpdate {
    return { kind: 'alive', node: this.self, incarnation: this.inc, from: this.self };
  }

  private view(m: Member): MemberView {
    const rtt = this.rtt.rttMs(m.id);
    return { id: m.id, state: m.state, incarnation: m.incarnation, rttMs: rtt === undefined ? null : Math.round(rtt * 10) / 10, stateSince: m.since };
  }

  private nextSeq(probe: Probe): number {
    const seq = ++this.seq;
    probe.seqs.push(seq);
    return seq;
  }

  private sendTo(to: NodeId, frame: MembershipFrame): void {
    try {
      this.opts.send(to, frame);
    } catch (err) {
      this.log.debug({ err, peer: to }, 'send failed');
    }
  }

  /** A one-shot timer that does nothing once stopped (no clearTimeout on hot paths). */
  private after(ms: number, fn: () => void): void {
    this.clock.setTimeout(() => {
      if (this.running) fn();
    }, ms);
  }

  private loop(fn: () => void, periodMs: number): void {
    const slot = this.timers.length;
    const tick = () => {
      if (!this.running) return;
      this.timers[slot] = this.clock.setTimeout(tick, periodMs);
      fn();
    };
    this.timers[slot] = this.clock.setTimeout(tick, Math.floor(this.random() * periodMs));
  }

  private emitChange(change: MemberChange): void {
    for (const listener of this.changeListeners) listener(change);
  }

  private emitProbe(probe: ProbeEvent): void {
    for (const listener of this.probeListeners) listener(probe);
  }
}
