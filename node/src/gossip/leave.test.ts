import { describe, expect, test } from 'vitest';
import type { NodeId } from './frames';
import { SwimCluster, WAN_REGIONS, wanLink } from './simulation';
import { wanSwimConfig, type SwimConfig } from './swimConfig';

const [US, EU, ASIA] = WAN_REGIONS as [NodeId, NodeId, NodeId];

function wanCluster(seed = 1, config: SwimConfig = wanSwimConfig()): SwimCluster {
  const cluster = new SwimCluster({ ids: WAN_REGIONS, config, seed, linkTo: (a, b) => wanLink(a, b) });
  cluster.startAll();
  cluster.clock.advance(10_000);
  return cluster;
}

/** `id` leaves as on SIGTERM: leave(), fake time runs while it waits, then it stops. */
async function leaveAndStop(cluster: SwimCluster, id: NodeId) {
  const leaving = cluster.nodes.get(id)!.membership.leave();
  cluster.clock.advance(cluster.nodes.get(id)!.membership.hasLeft ? wanSwimConfig().leaveTimeoutMs : 0);
  const result = await leaving;
  cluster.stop(id);
  return result;
}

const transitionsOf = (cluster: SwimCluster, node: NodeId, since: number) =>
  cluster.changes.slice(since).filter((c) => c.node === node).map((c) => `${c.observer}:${c.to}`);

describe('graceful leave', () => {
  test('a leaving node is recorded as left everywhere, never suspected nor dead, then reaped', async () => {
    const config = { ...wanSwimConfig(), leftReapMs: 60_000 };
    const cluster = wanCluster(1, config);
    const from = cluster.changes.length;
    const result = await leaveAndStop(cluster, EU);
    expect(new Set(result.acknowledgedBy)).toEqual(new Set([US, ASIA]));
    expect(result.unacknowledged).toEqual([]);
    expect(cluster.allSee(EU, 'left')).toBe(true);
    cluster.clock.advance(59_000);
    expect(transitionsOf(cluster, EU, from).sort()).toEqual([`${ASIA}:left`, `${US}:left`]);
    for (const observer of [US, ASIA]) expect(cluster.nodes.get(observer)!.membership.livePeers()).toEqual([observer === US ? ASIA : US]);
    cluster.clock.advance(2_000);
    for (const observer of [US, ASIA]) {
      expect(cluster.nodes.get(observer)!.membership.member(EU)).toBeUndefined();
      expect(cluster.nodes.get(observer)!.membership.stateCounts()).toEqual({ alive: 2, suspect: 0, dead: 0, left: 0 });
    }
    // A stale alive of its old life (a late state sync) does not bring it back...
    cluster.nodes.get(US)!.membership.handleFrame(ASIA, { type: 'gossip', updates: [{ kind: 'alive', node: EU, incarnation: 1, from: EU }] });
    expect(cluster.nodes.get(US)!.membership.member(EU)).toBeUndefined();
    // ...its next life does.
    cluster.start(EU, 2);
    expect(cluster.runUntil(() => cluster.allSee(EU, 'alive', 2), 3_000)).toBeDefined();
  });

  test('restarted before it is reaped, it is alive again with its higher incarnation', async () => {
    const cluster = wanCluster(2);
    const before = cluster.nodes.get(ASIA)!.membership.incarnation;
    await leaveAndStop(cluster, ASIA);
    cluster.clock.advance(5_000);
    expect(cluster.allSee(ASIA, 'left')).toBe(true);
    cluster.start(ASIA, before + 1);
    expect(cluster.runUntil(() => cluster.allSee(ASIA, 'alive', before + 1), 3_000)).toBeDefined();
    expect(cluster.runUntil(() => cluster.consistent(), 3_000)).toBeDefined();
  });

  test('at 10 % loss on every link the leave still reaches both peers, and never turns into a death', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const cluster = wanCluster(seed);
      for (const node of cluster.nodes.values()) node.links.setFaults({ lossPercent: 10 });
      const from = cluster.changes.length;
      const victim = WAN_REGIONS[seed % 3]!;
      await leaveAndStop(cluster, victim);
      expect(cluster.runUntil(() => cluster.allSee(victim, 'left'), 2_000), `seed ${seed}`).toBeDefined();
      cluster.clock.advance(60_000);
      const seen = transitionsOf(cluster, victim, from);
      expect(seen.every((t) => t.endsWith(':left')), `seed ${seed}: ${seen.join(', ')}`).toBe(true);
    }
  });

  test('a peer that cannot hear it makes the leave wait its bound, then go', async () => {
    const cluster = wanCluster(3);
    cluster.nodes.get(US)!.links.setFaults({ partitionedFrom: [ASIA] });
    const started = cluster.clock.now();
    const result = await leaveAndStop(cluster, US);
    expect(result).toEqual({ acknowledgedBy: [EU], unacknowledged: [ASIA] });
    expect(cluster.clock.now() - started).toBe(wanSwimConfig().leaveTimeoutMs);
    // asia hears of it from eu-west's gossip: left, not dead.
    expect(cluster.runUntil(() => cluster.allSee(US, 'left'), 2_000)).toBeDefined();
  });

  test('a leaving node neither probes nor refutes', async () => {
    const cluster = wanCluster(4);
    const asia = cluster.nodes.get(ASIA)!;
    const incarnation = asia.membership.incarnation;
    void asia.membership.leave();
    asia.membership.handleFrame(US, { type: 'gossip', updates: [{ kind: 'suspect', node: ASIA, incarnation, from: US }] });
    expect(asia.membership.incarnation).toBe(incarnation);
    expect(asia.membership.member(ASIA)).toBeUndefined();
    expect(asia.membership.members()[0]).toMatchObject({ id: ASIA, state: 'left' });
    // Its peers stop answering: without probes it suspects nobody.
    asia.links.setFaults({ partitionedFrom: [US, EU] });
    const from = cluster.changes.length;
    cluster.clock.advance(30_000);
    expect(cluster.changes.slice(from).filter((c) => c.observer === ASIA)).toEqual([]);
  });
});
