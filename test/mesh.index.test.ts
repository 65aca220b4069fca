import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeCluster } from './support/nodeCluster';
import { waitFor } from './support/waitFor';

async function kv(cluster: NodeCluster, id: string): Promise<Record<string, unknown>> {
  const res = await cluster.request(id, 'GET', '/v1/kv');
  const body = (await res.json()) as { entries: Array<{ name: string; value: unknown }> };
  return Object.fromEntries(body.entries.map((e) => [e.name, e.value]));
}

async function put(cluster: NodeCluster, id: string, name: string, value: unknown): Promise<void> {
  const res = await cluster.request(id, 'PUT', `/v1/kv/${name}`, { value });
  expect(res.status).toBe(200);
}

describe('replicated index (3 real node processes, wan profile)', () => {
  let cluster: NodeCluster;

  beforeAll(async () => {
    cluster = await NodeCluster.create({ profile: 'wan' });
    await cluster.startAll();
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('a fact written on one node appears on the others', async () => {
    await put(cluster, 'us-east', 'greeting', { text: 'hello from us-east' });
    for (const id of ['eu-west', 'asia']) {
      await waitFor(`${id} to learn the fact`, async () => (await kv(cluster, id)).greeting !== undefined, { timeoutMs: 5_000 });
      expect((await kv(cluster, id)).greeting).toEqual({ text: 'hello from us-east' });
    }
  });

  it('a partitioned node misses writes and deletes, then converges after healing with nothing lost or resurrected', async () => {
    await put(cluster, 'eu-west', 'doomed', 1);
    await put(cluster, 'eu-west', 'kept', 'before');
    // Every node, not only asia: the delete below goes to us-east, which must hold the entry
    // (gossip may reach asia first; a DELETE of an entry us-east has not heard of yet is a 404).
    for (const id of cluster.ids) {
      await waitFor(`${id} to have both entries`, async () => {
        const entries = await kv(cluster, id);
        return entries.doomed === 1 && entries.kept === 'before';
      });
    }

    const cut = await cluster.request('asia', 'POST', '/v1/faults', { partitionedFrom: ['us-east', 'eu-west'] });
    expect(cut.status).toBe(200);

    expect((await cluster.request('us-east', 'DELETE', '/v1/kv/doomed')).status).toBe(200);
    await put(cluster, 'us-east', 'during', 'written while asia was away');
    await put(cluster, 'asia', 'island', 'written on the island');
    // Give gossip more than enough rounds to have leaked if the partition did not hold.
    await new Promise((r) => setTimeout(r, 2_500));
    const isolated = await kv(cluster, 'asia');
    expect(isolated.doomed).toBe(1);
    expect(isolated.during).toBeUndefined();
    expect((await kv(cluster, 'us-east')).island).toBeUndefined();

    const healed = await cluster.request('asia', 'POST', '/v1/faults', { clear: true });
    expect(healed.status).toBe(200);

    const expected = { greeting: { text: 'hello from us-east' }, kept: 'before', during: 'written while asia was away', island: 'written on the island' };
    for (const id of cluster.ids) {
      await waitFor(`${id} to converge`, async () => JSON.stringify(sortKeys(await kv(cluster, id))) === JSON.stringify(sortKeys(expected)), {
        timeoutMs: 10_000,
      });
    }
    // And it stays that way: no later round brings the deleted entry back.
    await new Promise((r) => setTimeout(r, 2_000));
    for (const id of cluster.ids) expect((await kv(cluster, id)).doomed).toBeUndefined();
  });

  it('rebuilds the index from disk after kill -9 and catches up on what it missed', async () => {
    await put(cluster, 'asia', 'durable', 'acknowledged before the crash');
    await cluster.kill('asia');
    await put(cluster, 'us-east', 'missed', 'written while asia was down');
    await cluster.start('asia');
    const entries = await kv(cluster, 'asia');
    expect(entries.durable).toBe('acknowledged before the crash');
    await waitFor('asia to catch up', async () => (await kv(cluster, 'asia')).missed === 'written while asia was down', { timeoutMs: 10_000 });
  });
});

function sortKeys(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
