import { describe, expect, test } from 'vitest';
import pino from 'pino';
import { FakeClock } from '../time/fakeClock';
import { seededRandom } from '../time/random';
import type { Clock } from '../time/clock';
import type { MembershipFrame, NodeId, PingFrame, PingReqFrame } from './frames';
import { Membership } from './membership';
import { SwimCluster, WAN_REGIONS, wanLink } from './simulation';
import { episodicSlowness, SlowClock } from './slowClock';
import { wanSwimConfig, type SwimConfig } from './swimConfig';

const EU = WAN_REGIONS[1]!;

/** One membership with a hand-driven network: every frame it sends is recorded. */
function lone(self: NodeId, seeds: NodeId[], opts: { config?: SwimConfig; clock?: FakeClock; nodeClock?: (c: FakeClock) => Clock } = {}) {
  const clock = opts.clock ?? new FakeClock();
  const sent: Array<{ to: NodeId; frame: MembershipFrame; at: number }> = [];
  const m = new Membership({
    self,
    seeds,
    incarnation: 3,
    config: opts.config ?? wanSwimConfig(),
    clock: opts.nodeClock ? opts.nodeClock(clock) : clock,
    random: seededRandom(1),
    send: (to, frame) => sent.push({ to, frame, at: clock.now() }),
    logger: pino({ level: 'silent' }),
  });
  m.start();
  return { m, clock, sent };
}

type Sent = ReturnType<typeof lone>['sent'][number];
const pingsTo = (sent: Sent[], to: NodeId) => sent.filter((s): s is Sent & { frame: PingFrame } => s.frame.type === 'ping' && s.to === to);
const pingReqs = (sent: Sent[]) => sent.filter((s): s is Sent & { frame: PingReqFrame } => s.frame.type === 'ping-req');

/** Runs until `a` starts a probe of either peer; returns the target. */
function firstProbe(clock: FakeClock, sent: Sent[], peers: NodeId[]): NodeId {
  clock.advanceUntil(() => sent.some((s) => s.frame.type === 'ping'), 5_000);
  return sent.find((s) => s.frame.type === 'ping' && peers.includes(s.to))!.to;
}

describe('Lifeguard: nacks from ping-req helpers', () => {
  test('a helper that cannot reach the target in time answers nack with the requester’s seq', () => {
    const { m, clock, sent } = lone('h', ['a', 't']);
    clock.advance(1);
    sent.length = 0;
    m.handleFrame('a', { type: 'ping-req', seq: 77, target: 't', nack: true, updates: [] });
    expect(pingsTo(sent, 't')).toHaveLength(1);
    // The link to t is unmeasured: the helper waits its maximum probe timeout (1 s on wan).
    clock.advance(999);
    expect(sent.filter((s) => s.frame.type === 'nack')).toEqual([]);
    clock.advance(1);
    expect(sent.filter((s) => s.frame.type === 'nack')).toMatchObject([{ to: 'a', frame: { type: 'nack', seq: 77 } }]);
  });

  test('no nack when the target answers, nor when the requester did not ask for one', () => {
    const { m, clock, sent } = lone('h', ['a', 't']);
    clock.advance(1);
    sent.length = 0;
    m.handleFrame('a', { type: 'ping-req', seq: 5, target: 't', nack: true, updates: [] });
    const relayed = pingsTo(sent, 't')[0]!.frame.seq;
    clock.advance(300);
    m.handleFrame('t', { type: 'ack', seq: relayed, updates: [] });
    m.handleFrame('a', { type: 'ping-req', seq: 6, target: 't', updates: [] });
    clock.advance(5_000);
    expect(sent.filter((s) => s.frame.type === 'ack' && s.to === 'a')).toMatchObject([{ frame: { seq: 5 } }]);
    expect(sent.filter((s) => s.frame.type === 'nack')).toEqual([]);
  });

  /**
   * Probes of b and c succeed once each (links measured); then the target stops answering
   * while the helper keeps answering its own pings, and nacks our ping-reqs (or stays silent).
   */
  function failProbe(nackEvery: boolean) {
    const { m, clock, sent } = lone('a', ['b', 'c']);
    for (let answered = 0; answered < 2; ) {
      clock.advance(10);
      for (const s of sent.splice(0)) {
        if (s.frame.type !== 'ping') continue;
        m.handleFrame(s.to, { type: 'ack', seq: s.frame.seq, updates: [] });
        answered++;
      }
    }
    const target = firstProbe(clock, sent, ['b', 'c']);
    const helper = target === 'b' ? 'c' : 'b';
    const reqs: PingReqFrame[] = [];
    const pump = () => {
      for (const s of sent.splice(0)) {
        if (s.to !== helper) continue;
        if (s.frame.type === 'ping') m.handleFrame(helper, { type: 'ack', seq: s.frame.seq, updates: [] });
        if (s.frame.type === 'ping-req') {
          reqs.push(s.frame);
          if (nackEvery) m.handleFrame(helper, { type: 'nack', seq: s.frame.seq, updates: [] });
        }
      }
    };
    clock.advanceUntil(() => (pump(), m.member(target)!.state === 'suspect'), 10_000, 5);
    expect(reqs.length).toBeGreaterThanOrEqual(3);
    expect(reqs.every((r) => r.target === target && r.nack === true)).toBe(true);
    // The score is settled a little after the verdict (late nacks still count).
    clock.advanceUntil(() => (pump(), false), 1_100, 5);
    return { m, target };
  }

  test('a failed probe whose helpers all nacked leaves local health alone: the target is the suspect', () => {
    const { m, target } = failProbe(true);
    expect(m.member(target)!.state).toBe('suspect');
    expect(m.localHealth().score).toBe(0);
  });

  test('a failed probe with silent helpers counts against ourselves, one per missing nack', () => {
    const { m } = failProbe(false);
    // +3 for the three silent ping-reqs, less one per successful probe of the helper since.
    expect(m.localHealth().score).toBeGreaterThanOrEqual(2);
    expect(m.localHealth().maxMultiplier).toBe(8);
  });

  test('before a link’s first ack (connections maybe not open yet) a failed probe does not count against us', () => {
    const { m, clock, sent } = lone('a', ['b', 'c']);
    clock.advance(10_000); // nobody ever answers: every probe fails, helpers silent
    expect(sent.filter((s) => s.frame.type === 'ping-req').length).toBeGreaterThan(3);
    expect(m.member('b')!.state).not.toBe('alive');
    expect(m.localHealth().score).toBe(0);
  });

  test('a successful probe lowers the score; being suspected raises it', () => {
    const { m, clock, sent } = lone('a', ['b', 'c']);
    m.handleFrame('b', { type: 'gossip', updates: [{ kind: 'suspect', node: 'a', incarnation: 3, from: 'b' }] });
    m.handleFrame('b', { type: 'gossip', updates: [{ kind: 'suspect', node: 'a', incarnation: 4, from: 'b' }] });
    expect(m.localHealth().score).toBe(2);
    sent.length = 0;
    const target = firstProbe(clock, sent, ['b', 'c']);
    m.handleFrame(target, { type: 'ack', seq: pingsTo(sent, target)[0]!.frame.seq, updates: [] });
    expect(m.localHealth().score).toBe(1);
  });

  test('an unhealthy node waits (score + 1) times longer before asking helpers', () => {
    const delays: number[] = [];
    for (const suspicions of [0, 3]) {
      const { m, clock, sent } = lone('a', ['b', 'c']);
      for (let i = 0; i < suspicions; i++) m.handleFrame('b', { type: 'gossip', updates: [{ kind: 'suspect', node: 'a', incarnation: m.incarnation, from: 'b' }] });
      sent.length = 0;
      const target = firstProbe(clock, sent, ['b', 'c']);
      const pingAt = pingsTo(sent, target)[0]!.at;
      clock.advanceUntil(() => pingReqs(sent).length > 0, 60_000);
      delays.push(pingReqs(sent)[0]!.at - pingAt);
    }
    // Unmeasured link: the 1 s maximum, stretched 4× at score 3.
    expect(delays).toEqual([1_000, 4_000]);
  });

  test('a protocol timer that fires late (event-loop lag) counts against ourselves', () => {
    const config = wanSwimConfig();
    const lagging = lone('a', ['b', 'c'], { nodeClock: (c) => new SlowClock(c, { timerLagMs: () => 150, inboundDelayMs: () => 0 }) });
    lagging.clock.advance(1_000);
    expect(lagging.m.localHealth().score).toBeGreaterThan(0);
    const punctual = lone('a', ['b', 'c'], { nodeClock: (c) => new SlowClock(c, { timerLagMs: () => config.eventLoopLagMs - 10, inboundDelayMs: () => 0 }) });
    punctual.clock.advance(1_000);
    expect(punctual.m.localHealth().score).toBe(0);
  });
});

describe('Lifeguard in the simulation: a node with a slow event loop', () => {
  /**
   * eu-west's event loop is slow now and then: spells of 2–6 s, every 5–20 s, during which it
   * reads frames 0.5–2.5 s late and its timers run 0.1–0.3 s late, on the wan links, for 10
   * minutes. Its probes of healthy peers then fail although they answered: without Lifeguard
   * it accuses them; with it, it notices it is the slow one and waits longer.
   */
  function slowEuWest(multiplier: number, seed: number) {
    const config = { ...wanSwimConfig(), awarenessMaxMultiplier: multiplier };
    const cluster = new SwimCluster({ ids: WAN_REGIONS, config, seed, linkTo: (a, b) => wanLink(a, b) });
    const slow = episodicSlowness(cluster.clock, seededRandom(seed + 99), {
      healthyMs: [5_000, 20_000],
      slowMs: [2_000, 6_000],
      inboundMs: [500, 2_500],
      timerLagMs: [100, 300],
    });
    let slowScoreMax = 0;
    for (const id of WAN_REGIONS) cluster.start(id, 1, id === EU ? { slow } : {});
    const eu = cluster.nodes.get(EU)!.membership;
    for (let t = 0; t < 10 * 60; t++) {
      cluster.clock.advance(1_000);
      slowScoreMax = Math.max(slowScoreMax, eu.localHealth().score);
    }
    const accusations = cluster.changes.filter((c) => c.observer === EU && c.node !== EU && c.to === 'suspect').length;
    const healthyDeaths = cluster.changes.filter((c) => c.node !== EU && c.to === 'dead').length;
    return { accusations, healthyDeaths, slowScoreMax };
  }

  test('it stops accusing healthy peers (false suspicions with and without local health)', () => {
    const seeds = [1, 2, 3];
    const without = seeds.map((seed) => slowEuWest(1, seed));
    const withLifeguard = seeds.map((seed) => slowEuWest(8, seed));
    const total = (runs: typeof without) => runs.reduce((sum, r) => sum + r.accusations, 0);
    if (process.env.GEOVAULT_SWIM_REPORT) {
      process.stderr.write(`slow node accusations over 3 × 10 min: without ${total(without)}, with Lifeguard ${total(withLifeguard)}\n`);
    }
    expect(total(without)).toBeGreaterThanOrEqual(10);
    expect(total(withLifeguard) * 4).toBeLessThanOrEqual(total(without));
    for (const run of withLifeguard) {
      expect(run.healthyDeaths).toBe(0);
      expect(run.slowScoreMax).toBeGreaterThan(0);
    }
  }, 120_000);
});
