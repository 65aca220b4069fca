import { describe, expect, test } from 'vitest';
import pino from 'pino';
import { FakeClock } from '../time/fakeClock';
import { seededRandom } from '../time/random';
import type { MembershipFrame, NodeId } from './frames';
import { Membership, type MemberChange } from './membership';
import { SwimCluster, WAN_REGIONS, wanLink } from './simulation';
import { wanSwimConfig } from './swimConfig';

const [US, EU, ASIA] = WAN_REGIONS as [NodeId, NodeId, NodeId];

function wanCluster(seed = 1): SwimCluster {
  const cluster = new SwimCluster({ ids: WAN_REGIONS, config: wanSwimConfig(), seed, linkTo: (a, b) => wanLink(a, b) });
  cluster.startAll();
  return cluster;
}

function deaths(cluster: SwimCluster, since = 0): number {
  return cluster.changes.slice(since).filter((c) => c.to === 'dead').length;
}

describe('Membership on the wan profile (3 regions)', () => {
  test('all alive, with measured round trips', () => {
    const cluster = wanCluster();
    cluster.clock.advance(10_000);
    expect(cluster.allAlive()).toBe(true);
    const rtt = cluster.nodes.get(EU)!.membership.member(ASIA)!.rttMs!;
    expect(rtt).toBeGreaterThan(200);
    expect(rtt).toBeLessThan(260);
    expect(cluster.changes.filter((c) => c.to !== 'alive')).toEqual([]);
  });

  // A node that vanishes without resetting its sockets (frozen, cable cut) waits for its turn
  // in the probe order (≤ 2 periods), then probe deadline and the suspicion minimum of the
  // slowest link (swimConfig.ts): measured ≤ 3.26 s over these 120 runs.
  test.each([US, EU, ASIA])('a vanished %s is suspect, then dead on both survivors within 3.6 s', (victim) => {
    for (let seed = 1; seed <= 40; seed++) {
      const cluster = wanCluster(seed);
      cluster.clock.advance(10_000 + seed * 137);
      const from = cluster.changes.length;
      cluster.stop(victim);
      const took = cluster.runUntil(() => cluster.allSee(victim, 'dead'), 3_600, 5);
      expect(took, `seed ${seed}`).toBeDefined();
      const survivors = WAN_REGIONS.filter((id) => id !== victim);
      for (const observer of survivors) {
        const seen = cluster.changes.slice(from).filter((c) => c.observer === observer && c.node === victim).map((c) => c.to);
        expect(seen, `${observer} (seed ${seed})`).toEqual(['suspect', 'dead']);
      }
    }
  });

  // kill -9 resets the sockets: the survivors probe at once (the issue's < 3 s target).
  test('a broken connection hint (probeNow) finds a killed node dead on both survivors within 2.8 s', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const cluster = wanCluster(seed);
      cluster.clock.advance(10_000 + seed * 137);
      cluster.stop(ASIA);
      for (const survivor of [US, EU]) cluster.nodes.get(survivor)!.membership.probeNow(ASIA);
      expect(cluster.runUntil(() => cluster.allSee(ASIA, 'dead'), 2_800, 5), `seed ${seed}`).toBeDefined();
    }
  });

  test('probeNow on a live peer ends in nothing: the probe is answered', () => {
    const cluster = wanCluster();
    cluster.clock.advance(10_000);
    const from = cluster.changes.length;
    for (let i = 0; i < 20; i++) {
      cluster.nodes.get(US)!.membership.probeNow(ASIA);
      cluster.clock.advance(100);
    }
    cluster.clock.advance(5_000);
    expect(cluster.changes.slice(from)).toEqual([]);
  });

  test('a restarted node (higher incarnation, fresh transport) is alive again everywhere', () => {
    const cluster = wanCluster();
    cluster.clock.advance(10_000);
    const old = cluster.nodes.get(ASIA)!.membership.incarnation;
    cluster.stop(ASIA);
    expect(cluster.runUntil(() => cluster.allSee(ASIA, 'dead'), 5_000)).toBeDefined();
    cluster.clock.advance(20_000);
    cluster.start(ASIA, old + 1);
    expect(cluster.runUntil(() => cluster.allSee(ASIA, 'alive', old + 1), 3_000)).toBeDefined();
    // ...and the restarted node learns the others' real incarnations from their pings.
    expect(cluster.runUntil(() => cluster.consistent(), 3_000)).toBeDefined();
  });

  test('a suspected but alive node refutes, and nobody marks it dead', () => {
    const cluster = wanCluster();
    cluster.clock.advance(10_000);
    const before = cluster.nodes.get(EU)!.membership.incarnation;
    const from = cluster.changes.length;
    const eu = cluster.nodes.get(EU)!;
    // Cut eu-west off; heal the moment anyone suspects it.
    eu.links.setFaults({ partitionedFrom: [US, ASIA] });
    expect(cluster.runUntil(() => cluster.changes.slice(from).some((c) => c.to === 'suspect'), 5_000, 1)).toBeDefined();
    eu.links.clearFaults();
    cluster.clock.advance(30_000);
    expect(deaths(cluster, from)).toBe(0);
    expect(eu.membership.incarnation).toBeGreaterThan(before);
    expect(cluster.allAlive() && cluster.allSee(EU, 'alive', eu.membership.incarnation)).toBe(true);
  });

  test('a partition long enough to kill heals on its own once lifted', () => {
    const cluster = wanCluster();
    cluster.clock.advance(10_000);
    const asia = cluster.nodes.get(ASIA)!;
    asia.links.setFaults({ partitionedFrom: [US, EU] });
    cluster.clock.advance(60_000);
    expect(cluster.allSee(ASIA, 'dead')).toBe(true);
    expect(asia.membership.member(US)!.state).toBe('dead');
    asia.links.clearFaults();
    // Retries back off to deadRetryMaxMs (10 s): the mesh is whole within one of them.
    const healed = cluster.runUntil(() => cluster.allAlive(), 12_000);
    expect(healed).toBeDefined();
  });

  test('10 % loss on every link for 10 minutes: no false death', () => {
    const cluster = wanCluster(7);
    cluster.clock.advance(10_000);
    for (const node of cluster.nodes.values()) node.links.setFaults({ lossPercent: 10 });
    const from = cluster.changes.length;
    const minutes = Number(process.env.GEOVAULT_SWIM_LOSS_MINUTES ?? 10);
    cluster.clock.advance(minutes * 60_000);
    expect(deaths(cluster, from)).toBe(0);
    expect(cluster.allAlive()).toBe(true);
    const suspicions = cluster.changes.slice(from).filter((c) => c.to === 'suspect').length;
    if (process.env.GEOVAULT_SWIM_REPORT) {
      const incarnations = [...cluster.nodes.values()].map((n) => n.membership.incarnation - 1);
      process.stderr.write(`loss ${minutes} min: suspicions ${suspicions}, refutations ${incarnations.join('/')}\n`);
    }
  });
});

describe('Membership protocol details', () => {
  function lone(self: NodeId, seeds: NodeId[]) {
    const clock = new FakeClock();
    const sent: Array<{ to: NodeId; frame: MembershipFrame }> = [];
    const m = new Membership({
      self,
      seeds,
      incarnation: 3,
      config: wanSwimConfig(),
      clock,
      random: seededRandom(1),
      send: (to, frame) => sent.push({ to, frame }),
      logger: pino({ level: 'silent' }),
    });
    const changes: MemberChange[] = [];
    m.onChange((c) => changes.push(c));
    m.start();
    return { m, clock, sent, changes };
  }

  test('hearing it is suspected, a node refutes at once to every live peer', () => {
    const { m, sent } = lone('a', ['b', 'c']);
    m.handleFrame('b', { type: 'gossip', updates: [{ kind: 'suspect', node: 'a', incarnation: 5, from: 'b' }] });
    expect(m.incarnation).toBe(6);
    const refutedTo = sent.filter((s) => s.frame.updates.some((u) => u.node === 'a' && u.kind === 'alive' && u.incarnation === 6));
    expect(new Set(refutedTo.map((s) => s.to))).toEqual(new Set(['b', 'c']));
  });

  test('a stale suspicion is answered with the current alive, without a new incarnation', () => {
    const { m, sent } = lone('a', ['b']);
    m.handleFrame('b', { type: 'ping', seq: 9, target: 'a', updates: [{ kind: 'dead', node: 'a', incarnation: 1, from: 'c' }] });
    expect(m.incarnation).toBe(3);
    const ack = sent.find((s) => s.frame.type === 'ack')!;
    expect(ack.frame.updates).toContainEqual({ kind: 'alive', node: 'a', incarnation: 3, from: 'a' });
  });

  test('incarnation rules', () => {
    const { m, changes } = lone('a', ['b']);
    const apply = (kind: 'alive' | 'suspect' | 'dead', incarnation: number) =>
      m.handleFrame('c', { type: 'gossip', updates: [{ kind, node: 'b', incarnation, from: 'c' }] });
    apply('suspect', 0);
    expect(m.member('b')!.state).toBe('suspect');
    apply('alive', 0); // not newer: the suspicion stands
    expect(m.member('b')!.state).toBe('suspect');
    apply('alive', 1);
    expect(m.member('b')).toMatchObject({ state: 'alive', incarnation: 1 });
    apply('dead', 0); // older
    expect(m.member('b')!.state).toBe('alive');
    apply('dead', 1);
    expect(m.member('b')!.state).toBe('dead');
    apply('suspect', 1); // never revives or downgrades a death
    apply('alive', 1);
    expect(m.member('b')!.state).toBe('dead');
    apply('alive', 2);
    expect(m.member('b')).toMatchObject({ state: 'alive', incarnation: 2 });
    expect(changes.filter((c) => c.node === 'b').map((c) => c.to)).toEqual(['suspect', 'alive', 'dead', 'alive']);
  });

  test('odd input does not crash it', () => {
    const { m, clock } = lone('a', ['b']);
    m.handleFrame('b', { type: 'ack', seq: 12345, updates: [] });
    m.handleFrame('zz', { type: 'ack', seq: 1, updates: [] });
    m.handleFrame('b', { type: 'ping', seq: 1, target: 'not-me', updates: [] });
    m.handleFrame('b', { type: 'ping-req', seq: 2, target: 'a', updates: [] });
    m.handleFrame('b', { type: 'gossip', updates: [{ kind: 'alive', node: 'newcomer', incarnation: 4, from: 'newcomer' }] });
    m.handleFrame('b', { type: 'gossip', updates: [{ kind: 'dead', node: 'ghost', incarnation: 0, from: 'b' }] });
    m.handleFrame('a', { type: 'gossip', updates: [{ kind: 'dead', node: 'a', incarnation: 99, from: 'a' }] });
    clock.advance(60_000);
    expect(m.member('newcomer')).toMatchObject({ incarnation: 4 });
    expect(m.member('ghost')!.state).toBe('dead');
    expect(m.incarnation).toBe(3);
  });
});
