import crypto from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeCluster } from './support/nodeCluster';
import { blobFile, get, listFiles, newId, readBlob, sha256, tempFiles, uploadTo } from './support/nodeFiles';
import { waitFor } from './support/waitFor';

const QUOTA = 1024 * 1024;

describe('storage and three-way replication (3 real node processes)', () => {
  let cluster: NodeCluster;

  beforeAll(async () => {
    cluster = await NodeCluster.create({
      profile: 'wan',
      env: { GEOVAULT_QUOTA_BYTES: String(QUOTA), GEOVAULT_SCRUB_INTERVAL_MS: '300', GEOVAULT_REPAIR_INTERVAL_MS: '500' },
    });
    await cluster.startAll();
    await waitFor('all alive', () => cluster.allAlive());
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('stores an upload on all three nodes in the per-user layout and reads it back from each with the same SHA-256', async () => {
    const userId = newId();
    const fileId = newId();
    const data = crypto.randomBytes(300_000);
    const res = await uploadTo(cluster, 'us-east', userId, fileId, data, { name: 'photo ü.jpg', mime: 'image/jpeg' });
    expect(res.status).toBe(201);
    const { file } = JSON.parse(res.body.toString());
    expect(file).toMatchObject({ fileId, ownerId: userId, name: 'photo ü.jpg', size: data.length, sha256: sha256(data), mime: 'image/jpeg' });
    // W=2: at least two replicas were durable when the upload was acknowledged.
    expect(Object.values(file.replicas).filter((s) => s === 'stored').length).toBeGreaterThanOrEqual(2);

    for (const node of cluster.ids) {
      await waitFor(`${node} to hold a stored replica`, () => readBlob(cluster, node, userId, fileId)?.equals(data));
      await waitFor(`${node} to know the entry`, async () => (await listFiles(cluster, node, userId)).files.length === 1);
      const download = await get(cluster, node, `/v1/files/${userId}/${fileId}`);
      expect(download.status).toBe(200);
      expect(sha256(download.body)).toBe(sha256(data));
      expect(download.headers['content-type']).toBe('image/jpeg');
    }
    await waitFor('every node to report three stored replicas', async () => {
      const listing = await listFiles(cluster, 'asia', userId);
      return Object.values(listing.files[0]?.replicas ?? {}).filter((s) => s === 'stored').length === 3;
    });
  });

  it('serves byte ranges, and 416 past the end', async () => {
    const userId = newId();
    const fileId = newId();
    const data = Buffer.from('0123456789abcdefghij');
    expect((await uploadTo(cluster, 'eu-west', userId, fileId, data)).status).toBe(201);
    const first = await get(cluster, 'eu-west', `/v1/files/${userId}/${fileId}`, { range: 'bytes=0-3' });
    expect(first.status).toBe(206);
    expect(first.body.toString()).toBe('0123');
    expect(first.headers['content-range']).toBe('bytes 0-3/20');
    const suffix = await get(cluster, 'eu-west', `/v1/files/${userId}/${fileId}`, { range: 'bytes=-5' });
    expect(suffix.body.toString()).toBe('fghij');
    const beyond = await get(cluster, 'eu-west', `/v1/files/${userId}/${fileId}`, { range: 'bytes=20-' });
    expect(beyond.status).toBe(416);
    expect(beyond.headers['content-range']).toBe('bytes */20');
  });

  it('accepts an upload exactly at the quota and refuses one byte more with 413, leaving nothing behind', async () => {
    const userId = newId();
    const first = crypto.randomBytes(QUOTA - 1000);
    expect((await uploadTo(cluster, 'us-east', userId, newId(), first)).status).toBe(201);
    // Exactly at the limit (chunked, so only the streaming check can stop it)…
    const exact = await uploadTo(cluster, 'us-east', userId, newId(), crypto.randomBytes(1000), { chunked: { chunkBytes: 300, pauseMs: 1 } });
    expect(exact.status).toBe(201);
    // …one byte over, announced by Content-Length and streamed chunked.
    const overId = newId();
    const over = await uploadTo(cluster, 'us-east', userId, overId, Buffer.alloc(1));
    expect(over.status).toBe(413);
    expect(JSON.parse(over.body.toString()).error.code).toBe('quota_exceeded');
    const userB = newId();
    const chunkedOverId = newId();
    const chunkedOver = await uploadTo(cluster, 'us-east', userB, chunkedOverId, crypto.randomBytes(QUOTA + 1), {
      chunked: { chunkBytes: 64 * 1024, pauseMs: 1 },
    });
    expect(chunkedOver.status).toBe(413);

    const listing = await listFiles(cluster, 'us-east', userId);
    expect(listing.usage).toMatchObject({ used: QUOTA, limit: QUOTA, files: 2 });
    expect((await listFiles(cluster, 'us-east', userB)).usage.used).toBe(0);
    await waitFor('temp files and partial blobs to be gone everywhere', () =>
      cluster.ids.every(
        (node) => tempFiles(cluster, node).length === 0 && !fs.existsSync(blobFile(cluster, node, userB, chunkedOverId)) && !fs.existsSync(blobFile(cluster, node, userId, overId)),
      ),
    );
  });

  it('finds a flipped byte with the scrubber and repairs it from a peer', async () => {
    const userId = newId();
    const fileId = newId();
    const data = crypto.randomBytes(64 * 1024);
    expect((await uploadTo(cluster, 'us-east', userId, fileId, data)).status).toBe(201);
    await waitFor('asia to hold the replica', () => readBlob(cluster, 'asia', userId, fileId)?.equals(data));
    await waitFor('asia to record it stored', async () => (await listFiles(cluster, 'asia', userId)).files[0]?.replicas.asia === 'stored');
    const before = (await cluster.status('asia')).storage.scrub.corruptFound;

    const file = blobFile(cluster, 'asia', userId, fileId);
    const fd = fs.openSync(file, 'r+');
    const byte = Buffer.alloc(1);
    fs.readSync(fd, byte, 0, 1, 1234);
    fs.writeSync(fd, Buffer.from([byte[0]! ^ 0xff]), 0, 1, 1234);
    fs.closeSync(fd);
    expect(sha256(fs.readFileSync(file))).not.toBe(sha256(data));

    await waitFor('the scrubber to find it', async () => (await cluster.status('asia')).storage.scrub.corruptFound > before, { timeoutMs: 20_000 });
    await waitFor('the repair to restore the bytes', () => readBlob(cluster, 'asia', userId, fileId)?.equals(data), { timeoutMs: 20_000 });
    await waitFor('asia to be stored again', async () => (await listFiles(cluster, 'us-east', userId)).files[0]?.replicas.asia === 'stored');
  });

  it('verifies and repairs every replica on request, reporting per node', async () => {
    const userId = newId();
    const fileId = newId();
    // Above the inline limit (16 KiB): a blob file on each node, which is what gets repaired.
    const data = crypto.randomBytes(40_000);
    expect((await uploadTo(cluster, 'eu-west', userId, fileId, data)).status).toBe(201);
    await waitFor('all replicas on disk', () => cluster.ids.every((node) => readBlob(cluster, node, userId, fileId)?.equals(data)));
    await waitFor('all replicas recorded stored', async () =>
      Object.values((await listFiles(cluster, 'eu-west', userId)).files[0]?.replicas ?? {}).every((s) => s === 'stored'),
    );
    fs.truncateSync(blobFile(cluster, 'us-east', userId, fileId), 100);

    const res = await cluster.request('eu-west', 'POST', `/v1/files/${userId}/${fileId}/repair`);
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as { results: Array<{ node: string; before: string; after: string; repaired: boolean }> };
    const byNode = Object.fromEntries(results.map((r) => [r.node, r]));
    expect(byNode['us-east']).toMatchObject({ before: 'corrupt', after: 'stored', repaired: true });
    expect(byNode['eu-west']).toMatchObject({ before: 'stored', after: 'stored', repaired: false });
    expect(byNode.asia).toMatchObject({ before: 'stored', after: 'stored' });
    expect(readBlob(cluster, 'us-east', userId, fileId)?.equals(data)).toBe(true);
  });

  it('rejects bad ids and traversal attempts with 400, unknown files with 404, unsigned calls with 401', async () => {
    const fileId = newId();
    for (const bad of ['..%2F..%2Fetc', 'ABCDEF00-0000-4000-8000-000000000000', 'not-a-uuid', '%00']) {
      const res = await get(cluster, 'us-east', `/v1/files/${bad}/${fileId}`);
      expect(res.status, bad).toBe(400);
      expect(JSON.parse(res.body.toString()).error.code).toBe('invalid_request');
    }
    const upload = await uploadTo(cluster, 'us-east', newId(), '..%2Fx', Buffer.from('x'));
    expect(upload.status).toBe(400);
    expect((await get(cluster, 'us-east', `/v1/files/${newId()}/${fileId}`)).status).toBe(404);
    const unsigned = await fetch(`${cluster.url('us-east')}/v1/files/${newId()}/${fileId}`);
    expect(unsigned.status).toBe(401);
    // Replica endpoints are for peers only, even with a valid gateway signature.
    expect((await cluster.request('us-east', 'GET', `/v1/replicas/${newId()}/${fileId}`)).status).toBe(403);
  });
});
