import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeCluster } from './support/nodeCluster';
import { get, listFiles, newId, readBlob, sha256, uploadTo } from './support/nodeFiles';
import { waitFor } from './support/waitFor';

/** Small files live in the index itself (DESIGN §6): one group commit, acknowledged at W=2. */
describe('small files kept inline in the index (3 real node processes)', () => {
  let cluster: NodeCluster;

  beforeAll(async () => {
    cluster = await NodeCluster.create({ profile: 'lan', env: { GEOVAULT_COPY_TIMEOUT_MS: '1500', GEOVAULT_INLINE_MAX_BYTES: '16384' } });
    await cluster.startAll();
    await waitFor('all alive', () => cluster.allAlive());
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('a small upload, fixed-length or chunked, is readable from every node, with ranges, and no blob file is written', async () => {
    const userId = newId();
    const small = crypto.randomBytes(5_000);
    const fixed = newId();
    const chunked = newId();
    const big = newId();
    const bigData = crypto.randomBytes(40_000);
    const res = await uploadTo(cluster, 'us-east', userId, fixed, small);
    expect(res.status).toBe(201);
    const { file } = JSON.parse(res.body.toString());
    expect(file).toMatchObject({ size: 5_000, sha256: sha256(small) });
    expect(Object.values(file.replicas).filter((state) => state === 'stored').length).toBeGreaterThanOrEqual(2);
    expect((await uploadTo(cluster, 'eu-west', userId, chunked, small, { chunked: { chunkBytes: 1_000, pauseMs: 1 } })).status).toBe(201);
    // Past the limit, even when sent chunked, a file is a blob on its nodes as before.
    expect((await uploadTo(cluster, 'asia', userId, big, bigData, { chunked: { chunkBytes: 7_000, pauseMs: 1 } })).status).toBe(201);

    for (const node of cluster.ids) {
      await waitFor(`${node} to serve both small files`, async () => {
        for (const id of [fixed, chunked]) {
          const download = await get(cluster, node, `/v1/files/${userId}/${id}`);
          if (download.status !== 200 || sha256(download.body) !== sha256(small)) return false;
        }
        return true;
      });
      const range = await get(cluster, node, `/v1/files/${userId}/${fixed}`, { range: 'bytes=100-199' });
      expect(range.status).toBe(206);
      expect(range.body.equals(small.subarray(100, 200))).toBe(true);
      expect(readBlob(cluster, node, userId, fixed)).toBeUndefined();
      expect(readBlob(cluster, node, userId, chunked)).toBeUndefined();
      await waitFor(`${node} to hold the big file as a blob`, () => readBlob(cluster, node, userId, big)?.equals(bigData) === true);
    }
    await waitFor('every node to report every copy stored', async () => {
      const { files } = await listFiles(cluster, 'us-east', userId);
      return files.length === 3 && files.every((f) => Object.values(f.replicas).every((state) => state === 'stored'));
    });
    expect((await listFiles(cluster, 'asia', userId)).usage).toMatchObject({ used: 2 * 5_000 + 40_000, files: 3 });

    // Deleted for good: to the trash, and purged from it.
    expect((await cluster.request('asia', 'DELETE', `/v1/files/${userId}/${fixed}`)).status).toBe(200);
    expect((await cluster.request('asia', 'DELETE', `/v1/tree/${userId}/trash/${fixed}`)).status).toBe(200);
    for (const node of cluster.ids) {
      await waitFor(`${node} to forget the deleted file`, async () => (await get(cluster, node, `/v1/files/${userId}/${fixed}`)).status === 404);
    }
    expect((await listFiles(cluster, 'us-east', userId)).usage).toMatchObject({ used: 5_000 + 40_000, files: 2 });
  });

  it('acknowledged with one peer cut off; refused (503) and never shown when no peer confirms its copy in time', async () => {
    const userId = newId();
    const data = crypto.randomBytes(3_000);
    expect((await cluster.request('us-east', 'POST', '/v1/faults', { partitionedFrom: ['asia'] })).status).toBe(200);
    const withOne = newId();
    const res = await uploadTo(cluster, 'us-east', userId, withOne, data);
    expect(res.status).toBe(201);
    expect(JSON.parse(res.body.toString()).file.replicas['eu-west']).toBe('stored');

    // Cut off from both: SWIM still thinks them alive for a moment, so the copies are waited for.
    expect((await cluster.request('us-east', 'POST', '/v1/faults', { partitionedFrom: ['asia', 'eu-west'] })).status).toBe(200);
    const lonely = newId();
    const refused = await uploadTo(cluster, 'us-east', userId, lonely, data);
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body.toString()).error.code).toBe('replication_failed');
    expect((await cluster.request('us-east', 'POST', '/v1/faults', { clear: true })).status).toBe(200);

    for (const node of cluster.ids) {
      await waitFor(`${node} to hold the acknowledged file`, async () => (await get(cluster, node, `/v1/files/${userId}/${withOne}`)).status === 200, {
        timeoutMs: 20_000,
      });
    }
    // Long enough for anti-entropy to have spread it, had it not been withdrawn.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    for (const node of cluster.ids) {
      expect((await get(cluster, node, `/v1/files/${userId}/${lonely}`)).status).toBe(404);
      expect((await listFiles(cluster, node, userId)).files.map((f) => f.fileId)).toEqual([withOne]);
    }
  });
});
