import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeCluster } from './support/nodeCluster';
import { waitFor } from './support/waitFor';

/**
 * Graceful leave with real node processes on the simulated WAN: SIGTERM makes a node say
 * goodbye (SWIM leave) before it exits, so its peers record `left`, not a death.
 */
describe('mesh leave (3 real node processes, wan profile)', () => {
  let cluster: NodeCluster;

  beforeAll(async () => {
    cluster = await NodeCluster.create({ profile: 'wan' });
    await cluster.startAll();
  });
  afterAll(async () => {
    await cluster?.close();
  });

  const survivors = ['us-east', 'eu-west'];
  const statesOfAsia = () => Promise.all(survivors.map(async (observer) => (await cluster.memberState(observer, 'asia'))?.state));

  it('the status shows local health and every peer’s clock skew, measured at the handshake', async () => {
    await waitFor('all members alive everywhere', () => cluster.allAlive(), { timeoutMs: 30_000 });
    const status = await waitFor('us-east to have measured both peers’ clocks', async () => {
      const s = await cluster.status('us-east');
      return s.members.filter((m) => m.id !== 'us-east').every((m) => m.clockSkewMs !== null) ? s : undefined;
    });
    // Same machine, same clock: the skew is within the handshake's round trip.
    for (const m of status.members.filter((m) => m.id !== 'us-east')) expect(Math.abs(m.clockSkewMs!)).toBeLessThan(1_000);
    expect(status.members.find((m) => m.id === 'us-east')!.clockSkewMs).toBeNull();
    expect(status.membership.clockSkew).toEqual({ warnAboveMs: 10_000, signatureWindowMs: 60_000, skewedPeers: [] });
    expect(status.membership.localHealth.maxMultiplier).toBe(8);
  });

  it('SIGTERM one node: both others record it as left, never suspect or dead; restarted, it is alive with a higher incarnation', async () => {
    await waitFor('all members alive everywhere', () => cluster.allAlive(), { timeoutMs: 30_000 });
    const before = (await cluster.status('asia')).incarnation;
    const stoppedAt = Date.now();
    await cluster.kill('asia', 'SIGTERM');
    // The leave is acknowledged before the process exits: both peers already hold it.
    expect(await statesOfAsia()).toEqual(['left', 'left']);
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);

    // A crash on this profile is declared dead within ~3.5 s; watch twice as long.
    const seen = new Set<string | undefined>();
    const watchUntil = Date.now() + 7_000;
    while (Date.now() < watchUntil) {
      for (const state of await statesOfAsia()) seen.add(state);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect([...seen]).toEqual(['left']);

    await cluster.start('asia');
    expect((await cluster.status('asia')).incarnation).toBeGreaterThan(before);
    await waitFor('asia alive again on both peers with its new incarnation', async () => {
      const views = await Promise.all(survivors.map((observer) => cluster.memberState(observer, 'asia')));
      return views.every((v) => v?.state === 'alive' && v.incarnation > before);
    });
    await waitFor('asia to see both peers alive', () => cluster.allAlive());
  });
});
