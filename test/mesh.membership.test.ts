import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeCluster } from './support/nodeCluster';
import { waitFor } from './support/waitFor';

/** Real node processes gossiping over real WebSockets on the simulated WAN. */
describe('mesh membership (3 real node processes, wan profile)', () => {
  let cluster: NodeCluster;

  beforeAll(async () => {
    cluster = await NodeCluster.create({ profile: 'wan' });
    await cluster.startAll();
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('all three see each other alive, with round trips measured on the simulated links', async () => {
    await waitFor('all members alive everywhere', () => cluster.allAlive());
    // RTTs need a few probes to settle; the wan profile has us-east↔eu-west at 2 × 40 ms.
    const rtt = await waitFor('us-east to measure eu-west', async () => {
      const member = (await cluster.status('us-east')).members.find((m) => m.id === 'eu-west');
      return member?.rttMs ?? undefined;
    });
    expect(rtt).toBeGreaterThan(60);
    expect(rtt).toBeLessThan(200);
    const asia = (await cluster.status('eu-west')).members.find((m) => m.id === 'asia');
    await waitFor('eu-west to measure asia', async () =>
      ((await cluster.status('eu-west')).members.find((m) => m.id === 'asia')?.rttMs ?? 0) > 180,
    );
    expect(asia).toBeDefined();
  });

  it('kill -9 one node: both survivors mark it dead; restarted, it is alive again with a higher incarnation', async () => {
    await waitFor('all members alive everywhere', () => cluster.allAlive());
    const before = (await cluster.status('asia')).incarnation;
    const killedAt = Date.now();
    await cluster.kill('asia');
    await waitFor(
      'us-east and eu-west to mark asia dead',
      async () =>
        (await cluster.memberState('us-east', 'asia'))?.state === 'dead' &&
        (await cluster.memberState('eu-west', 'asia'))?.state === 'dead',
      { timeoutMs: 10_000 },
    );
    expect(Date.now() - killedAt).toBeLessThan(8_000);

    await cluster.start('asia');
    expect((await cluster.status('asia')).incarnation).toBeGreaterThan(before);
    await waitFor('asia alive again on both survivors with its new incarnation', async () => {
      const [a, b] = await Promise.all([cluster.memberState('us-east', 'asia'), cluster.memberState('eu-west', 'asia')]);
      return a?.state === 'alive' && b?.state === 'alive' && a.incarnation > before && b.incarnation > before;
    });
    await waitFor('asia to see both peers alive', () => cluster.allAlive());
  });
});
