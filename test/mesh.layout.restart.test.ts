import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeCluster } from './support/nodeCluster';
import { waitFor } from './support/waitFor';
import { applyLayout, layoutOf, placedOrExplain, uploadFiles, type StoredFile } from './support/layoutLoad';

const FOUNDERS = ['asia', 'eu-west', 'us-east'];
const ALL = [...FOUNDERS, 'sa-east'];

/**
 * Data moving after a layout change survives crashes (real processes, kill -9): an old holder
 * killed in the middle of handing its copies over, and the new region killed in the middle of
 * pulling them, both go on after a restart from what their disks say, and the move ends with
 * every file on exactly its new holders.
 */
describe('cluster layout: a move that survives kill -9 of an old holder and of the new region', () => {
  let cluster: NodeCluster;
  let files: StoredFile[] = [];

  beforeAll(async () => {
    cluster = await NodeCluster.create({
      profile: 'lan',
      env: { GEOVAULT_INLINE_MAX_BYTES: '0', GEOVAULT_REPAIR_BYTES_PER_SEC: String(64 * 1024), GEOVAULT_REPAIR_CONCURRENCY: '2' },
    });
    await cluster.startAll();
    await waitFor('the founders to see each other', () => cluster.allAlive(), { timeoutMs: 30_000 });
    files = await uploadFiles(cluster, FOUNDERS, 200, 8 * 1024);
  }, 180_000);
  afterAll(async () => {
    await cluster?.close();
  });

  it('ends with every file on exactly its new holders', async () => {
    await cluster.start('sa-east');
    await waitFor('every founder to hold sa-east alive', async () => {
      for (const id of FOUNDERS) if ((await cluster.memberState(id, 'sa-east'))?.state !== 'alive') return false;
      return true;
    }, { timeoutMs: 30_000 });
    const { joined } = await layoutOf(cluster, 'us-east');
    expect(await applyLayout(cluster, 'us-east', [{ op: 'add', node: joined[0] }])).toMatchObject({ status: 200 });

    // Halfway: sa-east has pulled some, asia has dropped some of the copies it hands over.
    await waitFor('the move under way on both sides', async () => {
      const [sa, asia] = await Promise.all([cluster.status('sa-east'), cluster.status('asia')]);
      return sa.storage.rebalance.incoming.moved >= 20 && asia.storage.rebalance.outgoing.moved >= 1;
    }, { timeoutMs: 120_000, intervalMs: 100 });
    const saved = JSON.parse(fs.readFileSync(path.join(cluster.dataDir, 'node-asia', '_system', 'rebalance.json'), 'utf8')) as { version: number };
    expect(saved.version).toBe(2);
    await Promise.all([cluster.kill('asia'), cluster.kill('sa-east')]);
    await Promise.all([cluster.start('asia'), cluster.start('sa-east')]);

    await waitFor('every copy on its new holders and nowhere else', () => placedOrExplain(cluster, ALL, ALL, files), {
      timeoutMs: 180_000,
      intervalMs: 1_000,
    });
    const asia = await cluster.status('asia');
    expect(asia.storage.rebalance).toMatchObject({ layoutVersion: 2, outgoing: { waiting: 0 } });
  }, 360_000);
});
