import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeCluster } from './support/nodeCluster';
import { waitFor } from './support/waitFor';
import { applyLayout, BackgroundLoad, layoutOf, placedOrExplain, uploadFiles, type StoredFile } from './support/layoutLoad';
import { placeReplicas } from '../node/src/replication/placement';

const FOUNDERS = ['asia', 'eu-west', 'us-east'];
const ALL = [...FOUNDERS, 'sa-east'];

/**
 * A fourth region joins a running cluster holding 300 files, takes its share, then is drained
 * and removed, while uploads and downloads keep going (DESIGN §12). Real node processes,
 * real sockets and disks; the repair budget is small so that data moves for several seconds.
 */
describe('cluster layout: a region joins, is drained and removed, under load (4 real processes)', () => {
  let cluster: NodeCluster;
  let files: StoredFile[] = [];

  beforeAll(async () => {
    cluster = await NodeCluster.create({
      profile: 'lan',
      env: {
        GEOVAULT_INLINE_MAX_BYTES: '0',
        // ~16 files of 4 KiB a second per node: the move lasts long enough to overlap the load.
        GEOVAULT_REPAIR_BYTES_PER_SEC: String(64 * 1024),
        GEOVAULT_REPAIR_CONCURRENCY: '2',
      },
    });
    await cluster.startAll();
    await waitFor('the founders to see each other', () => cluster.allAlive(), { timeoutMs: 30_000 });
    files = await uploadFiles(cluster, FOUNDERS, 300, 4096);
    // A replica's record is written just after it answers the upload: give the last ones a moment.
    await waitFor('every upload\'s three records', () => placedOrExplain(cluster, FOUNDERS, FOUNDERS, files), { timeoutMs: 30_000 });
  }, 180_000);
  afterAll(async () => {
    await cluster?.close();
  });

  const everyone = (load: BackgroundLoad) => [...files, ...load.uploaded];

  /** Each node's status counts what it holds under the new layout: stored as placed, none pending. */
  const countsMatch = async (nodes: readonly string[], active: readonly string[]) => {
    for (const id of nodes) {
      const placed = files.filter((f) => placeReplicas(f.fileId, [...active].sort(), 3).includes(id)).length;
      const { replicas } = (await cluster.status(id)).storage;
      if (replicas.stored !== placed || replicas.pending !== 0) return false;
    }
    return true;
  };

  it('joins by address, takes its share; every file ends with exactly 3 stored copies, none displaced, no request failed', async () => {
    const load = new BackgroundLoad(cluster, () => FOUNDERS, files);
    try {
      await cluster.start('sa-east');
      await waitFor('every founder to hold sa-east alive', async () => {
        for (const id of FOUNDERS) if ((await cluster.memberState(id, 'sa-east'))?.state !== 'alive') return false;
        return true;
      }, { timeoutMs: 30_000 });
      const { joined } = await layoutOf(cluster, 'eu-west');
      expect(joined.map((n) => n.id)).toEqual(['sa-east']);
      expect(await applyLayout(cluster, 'eu-west', [{ op: 'add', node: joined[0] }])).toMatchObject({ status: 200 });

      // Data is moving: sa-east pulls, the old holders wait for it before they drop anything.
      await waitFor('sa-east to report files to move', async () => (await cluster.status('sa-east')).storage.rebalance.incoming.moved > 0, { timeoutMs: 60_000 });
      // The files there before the move; those the load keeps adding have a copy in flight at
      // almost any moment on a loaded machine, and are checked once it stops, below.
      await waitFor('every copy on its new holders and nowhere else', () => placedOrExplain(cluster, ALL, ALL, files), {
        timeoutMs: 180_000,
        intervalMs: 1_000,
      });
    } finally {
      await load.stop();
    }
    expect(load.failures).toEqual([]);
    expect(load.uploads).toBeGreaterThan(0);
    expect(load.downloads).toBeGreaterThan(0);
    // The files uploaded during the move too, after the load stopped.
    await waitFor('the last uploads placed', () => placedOrExplain(cluster, ALL, ALL, everyone(load)), { timeoutMs: 60_000, intervalMs: 1_000 });
    const status = await cluster.status('sa-east');
    expect(status.layout).toMatchObject({ version: 2, state: 'active' });
    expect(status.storage.rebalance.incoming.moved).toBeGreaterThan(150);
    const moved = await Promise.all(FOUNDERS.map(async (id) => (await cluster.status(id)).storage.rebalance.outgoing.moved));
    expect(moved.reduce((a, b) => a + b, 0)).toBeGreaterThan(150);
    files = everyone(load);
    await waitFor('every node to count its copies under the new layout', () => countsMatch(ALL, ALL), { timeoutMs: 30_000 });
  }, 300_000);

  it('drained, it is refused removal while it holds copies; once they moved back, it is removed; same guarantees', async () => {
    const load = new BackgroundLoad(cluster, () => FOUNDERS, files);
    try {
      expect(await applyLayout(cluster, 'us-east', [{ op: 'drain', id: 'sa-east' }])).toMatchObject({ status: 200 });
      const early = await applyLayout(cluster, 'us-east', [{ op: 'remove', id: 'sa-east' }]);
      expect(early.status).toBe(409);
      expect(JSON.stringify(early.body)).toMatch(/still holds \d+ cop/);
      await waitFor('every copy back on the founders and none on sa-east', () => placedOrExplain(cluster, ALL, FOUNDERS, files), {
        timeoutMs: 180_000,
        intervalMs: 1_000,
      });
    } finally {
      await load.stop();
    }
    expect(load.failures).toEqual([]);
    files = [...files, ...load.uploaded];
    await waitFor('the last uploads placed', () => placedOrExplain(cluster, ALL, FOUNDERS, files), { timeoutMs: 60_000, intervalMs: 1_000 });
    await waitFor('sa-east to count no stored copy', async () => (await cluster.status('sa-east')).storage.replicas.stored === 0, { timeoutMs: 30_000 });
    await waitFor('the founders to count their copies under the new layout', () => countsMatch(FOUNDERS, FOUNDERS), { timeoutMs: 30_000 });
    expect(await applyLayout(cluster, 'us-east', [{ op: 'remove', id: 'sa-east' }])).toMatchObject({ status: 200 });
    await waitFor('every node at version 4 with sa-east removed', async () => {
      for (const id of ALL) {
        const { layout } = await layoutOf(cluster, id);
        if (layout.version !== 4 || layout.nodes.find((n) => n.id === 'sa-east')?.state !== 'removed') return false;
      }
      return true;
    });
  }, 300_000);
});
