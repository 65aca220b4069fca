import type { Logger } from 'pino';
import type { Clock } from '../time/clock';
import { ProtocolTimers } from './protocolTimers';
import type { Random } from '../time/random';
import { Awareness } from './awareness';
import { announceLeave } from './leaveAnnouncement';
import type { MemberState, MemberUpdate, MembershipFrame, NodeId } from './frames';
import { BroadcastQueue } from './broadcastQueue';
import { asUpdate, MemberTable, type Member } from './memberTable';
import { Prober, type ProbeEvent } from './prober';
import { RttEstimator } from './rttEstimator';
import { Suspicion } from './suspicion';
import { suspicionBounds, type SwimConfig } from './swimConfig';
import type { LeaveResult, LocalHealth, MemberChange, MembershipOptions, MemberView } from './membershipTypes';

export type { ProbeEvent };
export type { LeaveResult, LocalHealth, MemberChange, MembershipOptions, MemberView } from './membershipTypes';

/** Reaped members remembered (their last incarnation) so a stale alive cannot resurrect them. */
const MAX_REAPED_REMEMBERED = 1_024;

/**
 * SWIM membership with Lifeguard-style suspicion (DESIGN §3): one probe per period in a fixed
 * random order (prober.ts), incarnation rules, piggybacked dissemination, refutation, and
 * retries of dead peers. Lifeguard: local health (awareness.ts) stretches our own timeouts
 * when we are the slow one, helpers nack, and a stopping node leaves (recorded as `left`,
 * never suspected, reaped after `leftReapMs`).
 *
 * False suspicions at 10 % loss per frame (3 nodes, one relay): ping or ack lost p = 0.19,
 * the re-ping likewise, each of the 3 relayed paths (4 frames) 1-0.9⁴ = 0.34, so a probe of
 * a live peer fails with 0.19·0.19·0.34³ ≈ 0.15 %: ~5 false suspicions per 10 minutes in the
 * mesh (measured: 16–25 per 30 min). Each is told to the suspect at once and on every later
 * frame to it, and refuted in about a round trip (≤ 0.31 s measured); it could only become a
 * death if the other survivor also failed a probe meanwhile (another 0.15 %, bringing the
 * timeout down to 0.8 s) and every exchange in that time were lost.
 */
export class Membership {
  private readonly self: NodeId;
  private readonly cfg: SwimConfig;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly log: Logger;
  private readonly table: MemberTable;
  private readonly queue: BroadcastQueue;
  private readonly rtt: RttEstimator;
  private readonly prober: Prober;
  private readonly changeListeners = new Set<(change: MemberChange) => void>();
  private readonly probeListeners = new Set<(probe: ProbeEvent) => void>();
  private readonly timers: ProtocolTimers;
  private readonly awareness: Awareness;
  /** Members reaped after they left → the incarnation they left with. */
  private readonly reaped = new Map<NodeId, number>();
  private leaving: { update: MemberUpdate; done: Promise<LeaveResult> } | undefined;
  private inc: number;
  private readonly createdAt: number;

  constructor(private readonly opts: MembershipOptions) {
    this.self = opts.self;
    this.cfg = opts.config;
    this.clock = opts.clock;
    this.random = opts.random;
    this.timers = new ProtocolTimers(opts.clock, opts.random);
    this.inc = opts.incarnation;
    this.createdAt = opts.clock.now();
    this.log = opts.logger;
    this.table = new MemberTable(opts.random);
    this.queue = new BroadcastQueue(opts.config.retransmitMult);
    this.rtt = new RttEstimator({ minTimeoutMs: opts.config.minProbeTimeoutMs, maxTimeoutMs: opts.config.maxProbeTimeoutMs });
    this.awareness = new Awareness(opts.config.awarenessMaxMultiplier);
    this.awareness.onChange((score) => this.log.debug({ score }, 'local health changed'));
    this.prober = new Prober({
      config: opts.config,
      clock: opts.clock,
      random: opts.random,
      rtt: this.rtt,
      awareness: this.awareness,
      live: this.table.live,
      send: (to, frame) => this.sendTo(to, frame),
      piggyback: (to, assertSelf) => this.piggyback(to, assertSelf),
      running: () => this.running,
      onFailed: (target) => {
        const m = this.table.get(target);
        // A probe that was under way when we started leaving accuses nobody.
        if (m && m.state !== 'dead' && !this.leaving) this.suspect(m, m.incarnation, this.self);
      },
      onProbe: (event) => {
        for (const listener of this.probeListeners) listener(event);
      },
    });
    for (const seed of opts.seeds) if (seed !== this.self) this.addMember(seed, 'alive', 0, seed);
  }

  get incarnation(): number {
    return this.inc;
  }

  /** Lifeguard's score: 0 when healthy; our probe timeouts are stretched by score + 1. */
  localHealth(): LocalHealth {
    return { score: this.awareness.score, maxMultiplier: this.awareness.maxMultiplier };
  }

  /** True once `leave()` was called. */
  get hasLeft(): boolean {
    return this.leaving !== undefined;
  }

  /** A node learnt by address (it joined the cluster): a member to probe, as a seed is. */
  addSeed(peer: NodeId): void {
    if (peer !== this.self && !this.table.get(peer)) this.addMember(peer, 'alive', 0, peer);
  }

  /**
   * Probes `peer` now instead of waiting for its turn: the transport saw its connection
   * break (a crashed process resets its sockets). Only a hint — the verdict still comes from
   * the probe and the suspicion, so a flapping socket cannot kill a live member.
   */
  probeNow(peer: NodeId): void {
    const m = this.table.get(peer);
    if (!this.running || this.leaving || !m || m.state !== 'alive' || this.prober.isProbing(peer)) return;
    this.prober.probe(peer);
  }

  start(): void {
    if (this.running) return;
    this.timers.start();
    this.queue.enqueue(this.selfAlive());
    // A random phase, so that nodes started together do not probe in lockstep. The probe
    // period stretches with our local health, and a late probe tick is itself a sign of it.
    this.timers.loop(
      () => this.probeTick(),
      () => this.awareness.scaleTimeout(this.cfg.protocolPeriodMs),
      (lateMs) => {
        if (lateMs <= this.cfg.eventLoopLagMs) return;
        this.log.debug({ lateMs }, 'event loop late: stretching our own timeouts');
        this.awareness.applyDelta(1);
      },
    );
    this.timers.loop(() => this.gossipTick(), () => this.cfg.gossipIntervalMs);
    if (this.cfg.stateSyncIntervalMs > 0) this.timers.loop(() => this.syncTick(), () => this.cfg.stateSyncIntervalMs);
  }

  /**
   * Graceful leave (SIGTERM): tells every live peer that we are going — our own `dead` at our
   * incarnation, which they record as `left` — and waits until each acknowledged it or
   * `leaveTimeoutMs` passed. Probing stops at once (a node on its way out accuses nobody)
   * and we no longer refute. The caller stops the membership afterwards.
   */
  leave(): Promise<LeaveResult> {
    if (this.leaving) return this.leaving.done;
    const update: MemberUpdate = { kind: 'dead', node: this.self, incarnation: this.inc, from: this.self };
    const peers = this.table.live.toArray();
    this.log.info({ incarnation: this.inc, peers: peers.length }, 'leaving the cluster');
    // Set before anything is sent: every frame from now on carries the leave, not our alive.
    const leaving: { update: MemberUpdate; done: Promise<LeaveResult> } = { update, done: Promise.resolve({ acknowledgedBy: [], unacknowledged: peers }) };
    this.leaving = leaving;
    if (!this.running) return leaving.done;
    this.queue.enqueue(update);
    leaving.done = announceLeave(peers, update, {
      clock: this.clock,
      notify: (peer, updates, onAck) => this.prober.notify(peer, updates, onAck),
      running: () => this.running,
      // A few times per round trip.
      resendMs: Math.max(50, this.cfg.minProbeTimeoutMs),
      timeoutMs: this.cfg.leaveTimeoutMs,
    });
    return leaving.done;
  }

  stop(): void {
    this.timers.stop();
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
    const views: MemberView[] = [{ id: this.self, state: this.leaving ? 'left' : 'alive', incarnation: this.inc, rttMs: null, stateSince: this.createdAt }];
    for (const m of this.table.values()) views.push(this.view(m));
    return views;
  }

  member(id: NodeId): MemberView | undefined {
    const m = this.table.get(id);
    return m ? this.view(m) : undefined;
  }

  /** Alive and suspect peers (not self): the targets of gossip and replication. */
  livePeers(): NodeId[] {
    return this.table.live.toArray();
  }

  /** Members per state, self included (O(1), for convergence checks in big simulations). */
  stateCounts(): Readonly<Record<MemberState, number>> {
    return this.table.stateCounts();
  }

  handleFrame(from: NodeId, frame: MembershipFrame): void {
    if (!this.running || from === this.self) return;
    let staleAboutSelf = false;
    const updates = Array.isArray(frame.updates) ? frame.updates : [];
    for (const update of updates) if (this.apply(update)) staleAboutSelf = true;
    const sender = this.table.get(from);
    // A dead peer that talks to us is reachable: retry it soon rather than at its backoff.
    // Not at once: a peer that cannot refute would otherwise ping-pong with us forever.
    if (sender?.state === 'dead') {
      sender.retryDelayMs = this.cfg.deadRetryMinMs;
      this.scheduleRetry(sender, this.cfg.deadRetryMinMs);
    }
    switch (frame.type) {
      case 'ping':
        if (frame.target !== this.self) return;
        this.sendTo(from, { type: 'ack', seq: frame.seq, updates: this.piggyback(from, staleAboutSelf) });
        return;
      case 'ack':
        this.prober.handleAck(from, frame.seq);
        break;
      case 'ping-req':
        this.prober.handlePingReq(from, frame, this.self);
        break;
      case 'nack':
        this.prober.handleNack(frame.seq);
        break;
      case 'gossip':
        break;
    }
    if (staleAboutSelf) this.sendTo(from, { type: 'gossip', updates: [this.selfUpdate()] });
  }

  // ---- probing ----

  private probeTick(): void {
    if (this.leaving) return;
    const target = this.table.nextProbeTarget((id) => !this.prober.isProbing(id));
    if (target !== undefined) this.prober.probe(target);
  }

  // ---- dead peers: retries with backoff ----

  private scheduleRetry(m: Member, delayMs: number): void {
    const at = this.clock.now() + delayMs;
    if (m.retryAt !== undefined && m.retryAt <= at) return;
    m.retryAt = at;
    const gen = ++m.retryGen;
    this.timers.after(delayMs, () => {
      if (m.retryGen !== gen || m.state !== 'dead') return;
      m.retryAt = undefined;
      // The ping carries dead(m) to m, which refutes it in the ack if it is up.
      this.prober.retryPing(m.id);
      this.scheduleRetry(m, m.retryDelayMs);
      m.retryDelayMs = Math.min(this.cfg.deadRetryMaxMs, m.retryDelayMs * 2);
    });
  }

  // ---- dissemination ----

  private gossipTick(): void {
    if (this.queue.size === 0) return;
    const targets = this.table.live.sample(this.cfg.gossipFanout, this.random);
    // Recently dead peers take the slots left, so a false death still reaches its victim.
    for (const id of this.table.recentlyDead(this.clock.now(), this.cfg.gossipToTheDeadMs)) {
      if (targets.length < this.cfg.gossipFanout) targets.push(id);
    }
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
    const [to] = this.table.live.sample(1, this.random);
    if (to === undefined) return;
    const all = [this.selfUpdate(), ...this.table.asUpdates()];
    for (let i = 0; i < all.length; i += this.cfg.maxUpdatesPerFrame) {
      this.sendTo(to, { type: 'gossip', updates: all.slice(i, i + this.cfg.maxUpdatesPerFrame) });
    }
  }

  /**
   * Updates for a frame to `to`: our own alive when asked (pings always ask: one update buys
   * every probed node our current incarnation, which repairs views that bounded
   * retransmission left stale, e.g. a restarted node's), then either what `to` must hear
   * about itself if we suspect it, or the queue.
   */
  private piggyback(to: NodeId, assertSelf = false): MemberUpdate[] {
    const out: MemberUpdate[] = [];
    if (assertSelf) out.push(this.selfUpdate());
    const m = this.table.get(to);
    if (m && m.state !== 'alive') {
      // Nothing from the queue: its retransmit budget must go to peers likely to hear it,
      // not be drained into a peer that may be dead (which kept the other survivor from
      // hearing a suspicion and confirming it).
      out.push(asUpdate(m));
      return out;
    }
    for (const u of this.queue.take(this.cfg.maxUpdatesPerFrame - out.length, this.table.size + 1)) out.push(u);
    return out;
  }

  // ---- applying updates (the incarnation rules) ----

  /** Returns true when the sender holds a stale suspicion of us and should hear our alive. */
  private apply(u: MemberUpdate): boolean {
    if (u.node === this.self) return this.aboutSelf(u);
    const isLeave = u.kind === 'dead' && u.from === u.node;
    const m = this.table.get(u.node);
    if (!m) {
      // Not a member we know, or one reaped after it left: only a newer life brings it back.
      const reapedAt = this.reaped.get(u.node);
      if (isLeave || (reapedAt !== undefined && u.incarnation <= reapedAt)) return false;
      this.reaped.delete(u.node);
      this.addMember(u.node, u.kind, u.incarnation, u.from);
      this.queue.enqueue(u);
      return false;
    }
    if (u.kind === 'alive') this.alive(m, u);
    else if (u.kind === 'suspect') this.suspect(m, u.incarnation, u.from);
    else if (isLeave) this.left(m, u);
    else this.dead(m, u.incarnation, u.from);
    return false;
  }

  private aboutSelf(u: MemberUpdate): boolean {
    // On our way out: we said goodbye, and what others now think of us no longer matters.
    if (this.leaving) return false;
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
    // Lifeguard: being suspected hints that we are the slow one; be more patient with others.
    this.awareness.applyDelta(1);
    this.queue.enqueue(this.selfAlive());
    // Straight away to every live peer, on its own (taking from the queue per peer would use
    // up its retransmit budget on the first few): a refutation that waits for the next tick
    // may lose the race against a suspicion timeout.
    const frame: MembershipFrame = { type: 'gossip', updates: [this.selfAlive()] };
    for (const peer of this.table.live.toArray()) this.sendTo(peer, frame);
  }

  private alive(m: Member, u: MemberUpdate): void {
    if (u.incarnation <= m.incarnation) return;
    m.incarnation = u.incarnation;
    m.assertedBy = u.from;
    if (m.state !== 'alive') this.setState(m, 'alive');
    this.queue.enqueue(u);
  }

  private suspect(m: Member, incarnation: number, from: NodeId): void {
    if (incarnation < m.incarnation || m.state === 'dead' || m.state === 'left') return;
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
    if (incarnation < m.incarnation || m.state === 'left') return;
    if (m.state === 'dead') {
      m.incarnation = incarnation;
      return;
    }
    m.incarnation = incarnation;
    m.assertedBy = from;
    this.setState(m, 'dead');
    this.queue.enqueue({ kind: 'dead', node: m.id, incarnation, from });
    if (from === this.self) this.gossipTo(this.table.live.sample(this.cfg.gossipFanout, this.random));
  }

  /** The member said goodbye (its own `dead`): `left`, from any state, at its incarnation or later. */
  private left(m: Member, u: MemberUpdate): void {
    if (u.incarnation < m.incarnation) return;
    m.incarnation = u.incarnation;
    if (m.state === 'left') return;
    m.assertedBy = u.from;
    this.setState(m, 'left');
    this.queue.enqueue(u);
  }

  /** Forgets a member that left `leftReapMs` ago, remembering only its incarnation. */
  private reap(m: Member): void {
    this.table.remove(m);
    this.reaped.delete(m.id);
    this.reaped.set(m.id, m.incarnation);
    if (this.reaped.size > MAX_REAPED_REMEMBERED) this.reaped.delete(this.reaped.keys().next().value!);
    this.log.info({ peer: m.id, incarnation: m.incarnation }, 'forgot a member that left');
  }

  // ---- the member table ----

  private addMember(id: NodeId, state: MemberState, incarnation: number, from: NodeId): void {
    const m = this.table.add(id, incarnation, from, this.clock.now());
    this.emitChange({ node: id, from: undefined, to: 'alive', incarnation });
    if (state !== 'alive') this.setState(m, state);
  }

  private setState(m: Member, to: MemberState): void {
    const from = this.table.move(m, to, this.clock.now());
    m.suspicion?.cancel();
    m.suspicion = undefined;
    if (to === 'dead') {
      m.retryDelayMs = this.cfg.deadRetryMinMs;
      m.retryAt = undefined;
      this.scheduleRetry(m, this.cfg.deadRetryMinMs);
    } else {
      m.retryGen++;
      m.retryAt = undefined;
    }
    if (to === 'left') {
      const leftAt = m.since;
      this.timers.after(this.cfg.leftReapMs, () => {
        if (m.state === 'left' && m.since === leftAt) this.reap(m);
      });
    }
    if (to === 'suspect') {
      const { minMs, maxMs, k } = suspicionBounds(this.cfg, this.table.size + 1, this.rtt.rttMs(m.id));
      m.suspicion = new Suspicion({
        from: m.assertedBy,
        k,
        minMs,
        maxMs,
        clock: this.clock,
        onTimeout: () => {
          if (this.running && !this.leaving && m.state === 'suspect') this.dead(m, m.incarnation, this.self);
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

  /** What we say of ourselves: alive, or our leave once we are going. */
  private selfUpdate(): MemberUpdate {
    return this.leaving?.update ?? this.selfAlive();
  }

  private view(m: Member): MemberView {
    const rtt = this.rtt.rttMs(m.id);
    return { id: m.id, state: m.state, incarnation: m.incarnation, rttMs: rtt === undefined ? null : Math.round(rtt * 10) / 10, stateSince: m.since };
  }

  private sendTo(to: NodeId, frame: MembershipFrame): void {
    try {
      this.opts.send(to, frame);
    } catch (err) {
      this.log.debug({ err, peer: to }, 'send failed');
    }
  }

  private get running(): boolean {
    return this.timers.running;
  }

  private emitChange(change: MemberChange): void {
    for (const listener of this.changeListeners) listener(change);
  }
}
