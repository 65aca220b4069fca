import type { Clock } from '../time/clock';
import type { Random } from '../time/random';
import type { Awareness } from './awareness';
import type { MemberUpdate, MembershipFrame, NodeId, PingReqFrame } from './frames';
import type { PeerSet } from './probeOrder';
import type { RttEstimator } from './rttEstimator';
import type { SwimConfig } from './swimConfig';

export interface ProbeEvent {
  peer: NodeId;
  /** Direct round trip, or null when only a relay answered or nobody did. */
  rttMs: number | null;
}

export interface ProberDeps {
  config: SwimConfig;
  clock: Clock;
  random: Random;
  rtt: RttEstimator;
  /** Our local health: stretches our probe timeouts, and probe outcomes move it. */
  awareness: Awareness;
  /** Alive and suspect peers: the relay candidates. */
  live: PeerSet;
  send: (to: NodeId, frame: MembershipFrame) => void;
  /** The updates to piggyback on a frame to `to` (pings always carry our own alive). */
  piggyback: (to: NodeId, assertSelf?: boolean) => MemberUpdate[];
  /** False once the membership stopped: late timers then do nothing. */
  running: () => boolean;
  /** The probe of `target` got no ack by its deadline. */
  onFailed: (target: NodeId) => void;
  onProbe: (event: ProbeEvent) => void;
}

interface Probe {
  target: NodeId;
  seqs: number[];
  done: boolean;
  /** ping-reqs sent (each asks its helper for a nack) and nacks received for them. */
  expectedNacks: number;
  nacks: number;
}
type Pending =
  | { kind: 'probe'; probe: Probe; sentAt: number; direct: boolean }
  | { kind: 'relay'; target: NodeId; requester: NodeId; requesterSeq: number; sentAt: number }
  | { kind: 'retry'; target: NodeId; sentAt: number }
  | { kind: 'notify'; target: NodeId; onAck: () => void };

/**
 * The ping / ping-req machinery of SWIM, for one node: its own probes (at most one
 * outstanding per target, several targets at once, as a long link's deadline can exceed the
 * period), the pings it relays for others, and retry pings to dead peers.
 *
 * A probe: ping; after the link's adaptive timeout, a direct re-ping plus `indirectChecks`
 * ping-reqs; failure at a deadline sized for the slowest path, requester → relay → target →
 * relay → requester. Any ack for any of the probe's seqs before the deadline counts.
 *
 * Lifeguard: both timeouts are stretched by our local health (awareness.ts); a helper that
 * cannot reach the target in time answers `nack`; a success lowers the score, a failure
 * raises it by the helpers that stayed silent (or by one when there was no helper to ask).
 */
export class Prober {
  private readonly probes = new Map<NodeId, Probe>();
  private readonly pending = new Map<number, Pending>();
  private seq = 0;

  constructor(private readonly deps: ProberDeps) {}

  isProbing(target: NodeId): boolean {
    return this.probes.has(target);
  }

  probe(target: NodeId): void {
    const { rtt, clock } = this.deps;
    const probe: Probe = { target, seqs: [], done: false, expectedNacks: 0, nacks: 0 };
    this.probes.set(target, probe);
    const { awareness } = this.deps;
    const timeout = awareness.scaleTimeout(rtt.timeoutMs(target));
    // Before a link's first ack its failures say nothing of our health: a node just started
    // may not even have its connections open yet (seen as a restarted node doubting itself).
    const targetMeasured = rtt.rttMs(target) !== undefined;
    this.ping(probe);
    this.after(timeout, () => {
      if (probe.done) return;
      this.ping(probe);
      // The relay's leg to the target is unmeasured; by the triangle inequality it is at
      // most the relay's round trip plus ours to the target.
      let window = timeout;
      let slowestRelay = 0;
      for (const relay of this.relays(target)) {
        const seq = this.nextSeq(probe);
        this.pending.set(seq, { kind: 'probe', probe, sentAt: clock.now(), direct: false });
        this.deps.send(relay, { type: 'ping-req', seq, target, nack: true, updates: this.deps.piggyback(relay, true) });
        if (rtt.rttMs(relay) !== undefined) probe.expectedNacks++;
        const relayTimeout = awareness.scaleTimeout(rtt.timeoutMs(relay));
        slowestRelay = Math.max(slowestRelay, relayTimeout);
        window = Math.max(window, 2 * relayTimeout + timeout);
      }
      this.after(window, () => {
        if (probe.done) return;
        this.finish(probe, true);
        this.deps.onProbe({ peer: target, rttMs: null });
        this.deps.onFailed(target);
        // A helper nacks after its own timeout for the target, which can be longer than ours:
        // its nack may land just after our deadline. The verdict above does not wait for it,
        // only the score does.
        this.after(slowestRelay, () => {
          for (const seq of probe.seqs) this.pending.delete(seq);
          if (targetMeasured) awareness.applyDelta(probe.expectedNacks > 0 ? Math.max(0, probe.expectedNacks - probe.nacks) : 1);
        });
      });
    });
  }

  /** One ping to a dead peer; its ack (carrying the peer's refutation) revives it. */
  retryPing(target: NodeId): void {
    const seq = ++this.seq;
    const entry: Pending = { kind: 'retry', target, sentAt: this.deps.clock.now() };
    this.pending.set(seq, entry);
    this.deps.send(target, { type: 'ping', seq, target, updates: this.deps.piggyback(target, true) });
    this.expire(seq, entry);
  }

  /** One ping carrying `updates` to `target`; `onAck` runs if it acks (a leave waits for these). */
  notify(target: NodeId, updates: MemberUpdate[], onAck: () => void): void {
    const seq = ++this.seq;
    const entry: Pending = { kind: 'notify', target, onAck };
    this.pending.set(seq, entry);
    this.deps.send(target, { type: 'ping', seq, target, updates });
    this.expire(seq, entry);
  }

  handleAck(from: NodeId, seq: number): void {
    const p = this.pending.get(seq);
    if (!p) return;
    this.pending.delete(seq);
    const now = this.deps.clock.now();
    if (p.kind === 'relay') {
      if (from === p.target) this.deps.rtt.sample(p.target, now - p.sentAt);
      this.deps.send(p.requester, { type: 'ack', seq: p.requesterSeq, updates: this.deps.piggyback(p.requester) });
    } else if (p.kind === 'retry') {
      if (from === p.target) this.deps.rtt.sample(p.target, now - p.sentAt);
    } else if (p.kind === 'notify') {
      if (from === p.target) p.onAck();
    } else if (p.probe.done) {
      // A relayed ack after our deadline: too late for the verdict, but that helper reached us.
      if (!p.direct) p.probe.nacks++;
    } else {
      // Only a direct ack is a round trip of this link; a relayed one measures two links.
      const rttMs = p.direct && from === p.probe.target ? now - p.sentAt : null;
      if (rttMs !== null) this.deps.rtt.sample(p.probe.target, rttMs);
      this.finish(p.probe);
      this.deps.awareness.applyDelta(-1);
      this.deps.onProbe({ peer: p.probe.target, rttMs });
    }
  }

  /** A helper could not reach the target of our ping-req `seq` in time. */
  handleNack(seq: number): void {
    const p = this.pending.get(seq);
    if (p?.kind !== 'probe' || p.direct) return;
    // Counted once per ping-req, even after the deadline (the score is settled a bit later).
    this.pending.delete(seq);
    p.probe.nacks++;
  }

  /** Pings `frame.target` with our own seq and forwards its ack with the requester's. */
  handlePingReq(requester: NodeId, frame: PingReqFrame, self: NodeId): void {
    if (frame.target === self) {
      this.deps.send(requester, { type: 'ack', seq: frame.seq, updates: this.deps.piggyback(requester) });
      return;
    }
    const seq = ++this.seq;
    const entry: Pending = { kind: 'relay', target: frame.target, requester, requesterSeq: frame.seq, sentAt: this.deps.clock.now() };
    this.pending.set(seq, entry);
    this.deps.send(frame.target, { type: 'ping', seq, target: frame.target, updates: this.deps.piggyback(frame.target, true) });
    this.expire(seq, entry);
    if (frame.nack) {
      // Our own (unstretched) timeout for the target: the requester waits longer than that.
      this.after(this.deps.rtt.timeoutMs(frame.target), () => {
        if (this.pending.get(seq) !== entry) return;
        this.deps.send(requester, { type: 'nack', seq: frame.seq, updates: this.deps.piggyback(requester) });
      });
    }
  }

  private ping(probe: Probe): void {
    const seq = this.nextSeq(probe);
    this.pending.set(seq, { kind: 'probe', probe, sentAt: this.deps.clock.now(), direct: true });
    this.deps.send(probe.target, { type: 'ping', seq, target: probe.target, updates: this.deps.piggyback(probe.target, true) });
  }

  /** `indirectChecks` relays, distinct when possible, wrapping round when there are fewer. */
  private relays(target: NodeId): NodeId[] {
    const { config, live, random } = this.deps;
    const distinct = live.sample(config.indirectChecks, random, target);
    const out: NodeId[] = [];
    for (let i = 0; distinct.length > 0 && i < config.indirectChecks; i++) out.push(distinct[i % distinct.length]!);
    return out;
  }

  /** Ends a probe; `awaitNacks` keeps its ping-req seqs a while for late nacks. */
  private finish(probe: Probe, awaitNacks = false): void {
    probe.done = true;
    if (this.probes.get(probe.target) === probe) this.probes.delete(probe.target);
    for (const seq of probe.seqs) {
      const p = this.pending.get(seq);
      if (!awaitNacks || (p?.kind === 'probe' && p.direct)) this.pending.delete(seq);
    }
  }

  private nextSeq(probe: Probe): number {
    const seq = ++this.seq;
    probe.seqs.push(seq);
    return seq;
  }

  private expire(seq: number, entry: Pending): void {
    this.after(2 * this.deps.config.maxProbeTimeoutMs, () => {
      if (this.pending.get(seq) === entry) this.pending.delete(seq);
    });
  }

  /** Timers are never cleared (FakeClock's clearTimeout is O(n)); stale ones check state. */
  private after(ms: number, fn: () => void): void {
    this.deps.clock.setTimeout(() => {
      if (this.deps.running()) fn();
    }, ms);
  }
}
