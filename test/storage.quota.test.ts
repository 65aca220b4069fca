import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeCluster } from './support/nodeCluster';
import { get, newId, uploadTo } from './support/nodeFiles';
import { waitFor } from './support/waitFor';
import { quotaOwners } from '../node/src/replication/quotaAuthority';

const QUOTA = 1_000_000;

/**
 * One node at a time owns each user's quota (issue 17): three uploads through three primaries
 * at once used to be admitted by each primary against the same free space (2.4 MB stored
 * under a 1 MB quota).
 */
describe('a user’s quota across three primaries (3 real node processes)', () => {
  let cluster: NodeCluster;

  beforeAll(async () => {
    cluster = await NodeCluster.create({ profile: 'lan', env: { GEOVAULT_QUOTA_BYTES: String(QUOTA), GEOVAULT_INLINE_MAX_BYTES: '0' } });
    await cluster.startAll();
    await waitFor('all alive', () => cluster.allAlive());
  });
  afterAll(async () => {
    await cluster?.close();
  });

  const usage = async (node: string, userId: string) => JSON.parse((await get(cluster, node, `/v1/users/${userId}/usage`)).body.toString()) as { used: number; limit: number };

  it('three concurrent uploads of 0.8 MB through us-east, eu-west and asia: never more than the quota is stored', async () => {
    for (let round = 0; round < 3; round++) {
      const userId = newId();
      const results = await Promise.all(
        cluster.ids.map((node, i) => uploadTo(cluster, node, userId, newId(), crypto.randomBytes(800_000), round === 2 && i === 0 ? { chunked: { chunkBytes: 64 * 1024, pauseMs: 0 } } : {})),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 413)).toHaveLength(2);
      await waitFor('every node to count the stored file', async () => (await Promise.all(cluster.ids.map((n) => usage(n, userId)))).every((u) => u.used === 800_000));
    }
  });

  it('the space of a failed or deleted upload is free again, and a chunked body is counted as it arrives', async () => {
    const userId = newId();
    const first = newId();
    expect((await uploadTo(cluster, 'us-east', userId, first, crypto.randomBytes(600_000))).status).toBe(201);
    const tooMuch = await uploadTo(cluster, 'asia', userId, newId(), crypto.randomBytes(500_000), { chunked: { chunkBytes: 64 * 1024, pauseMs: 0 } });
    expect(tooMuch.status).toBe(413);
    expect((await uploadTo(cluster, 'eu-west', userId, newId(), crypto.randomBytes(300_000), { chunked: { chunkBytes: 64 * 1024, pauseMs: 0 } })).status).toBe(201);
    // To the trash, where it still counts; purged, its space is free.
    expect((await cluster.request('asia', 'DELETE', `/v1/files/${userId}/${first}`)).status).toBe(200);
    await waitFor('the trashed file to still count', async () => (await usage('asia', userId)).used === 900_000);
    expect((await cluster.request('asia', 'DELETE', `/v1/tree/${userId}/trash/${first}`)).status).toBe(200);
    await waitFor('the deleted file’s space to be free everywhere', async () => (await Promise.all(cluster.ids.map((n) => usage(n, userId)))).every((u) => u.used === 300_000));
    expect((await uploadTo(cluster, 'us-east', userId, newId(), crypto.randomBytes(650_000))).status).toBe(201);
  });

  it('when the quota owner is down, the next live node takes over and uploads go on', async () => {
    const userId = newId();
    const [owner, next] = quotaOwners(userId, cluster.ids);
    expect((await uploadTo(cluster, next!, userId, newId(), crypto.randomBytes(100_000))).status).toBe(201);
    await cluster.kill(owner!);
    try {
      const other = cluster.ids.find((n) => n !== owner && n !== next)!;
      expect((await uploadTo(cluster, other, userId, newId(), crypto.randomBytes(100_000))).status).toBe(201);
      // The new owner refuses what would pass the quota with what it sees stored.
      expect((await uploadTo(cluster, other, userId, newId(), crypto.randomBytes(850_000))).status).toBe(413);
    } finally {
      await cluster.start(owner!);
    }
  });
});
