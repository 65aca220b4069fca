import type { Clock } from '../time/clock';
import type { Random } from '../time/random';
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
}
type Pending =
  | { kind: 'probe'; probe: Probe; sentAt: number; direct: boolean }
  | { kind: 'relay'; target: NodeId; requester: NodeId; requesterSeq: number; sentAt: number }
  | { kind: 'retry'; target: NodeId; sentAt: number };

/**
 * The ping / ping-req machinery of SWIM, for one node: its own probes (at most one
 * outstanding per target, several targets at once, as a long link's deadline can exceed the
 * period), the pings it relays for others, and retry pings to dead peers.
 *
 * A probe: ping; after the link's adaptive timeout, a direct re-ping plus `indirectChecks`
 * ping-reqs; failure at a deadline sized for the slowest path, requester → relay → target →
 * relay → requester. Any ack for any of the probe's seqs before the deadline counts.
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
    const probe: Probe = { target, seqs: [], done: false };
    this.probes.set(target, probe);
    const timeout = rtt.timeoutMs(target);
    this.ping(probe);
    this.after(timeout, () => {
      if (probe.done) return;
      this.ping(probe);
      // The relay's leg to the target is unmeasured; by the triangle inequality it is at
      // most the relay's round trip plus ours to the target.
      let window = timeout;
      for (const relay of this.relays(target)) {
        const seq = this.nextSeq(probe);
        this.pending.set(seq, { kind: 'probe', probe, sentAt: clock.now(), direct: false });
        this.deps.send(relay, { type: 'ping-req', seq, target, updates: this.deps.piggyback(relay, true) });
        window = Math.max(window, 2 * rtt.timeoutMs(relay) + timeout);
      }
      this.after(window, () => {
        if (probe.done) return;
        this.finish(probe);
        this.deps.onProbe({ peer: target, rttMs: null });
        this.deps.onFailed(target);
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
    } else if (!p.probe.done) {
      // Only a direct ack is a round trip of this link; a relayed one measures two links.
      const rttMs = p.direct && from === p.probe.target ? now - p.sentAt : null;
      if (rttMs !== null) this.deps.rtt.sample(p.probe.target, rttMs);
      this.finish(p.probe);
      this.deps.onProbe({ peer: p.probe.target, rttMs });
    }
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

  private finish(probe: Probe): void {
    probe.done = true;
    if (this.probes.get(probe.target) === probe) this.probes.delete(probe.target);
    for (const seq of probe.seqs) this.pending.delete(seq);
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
