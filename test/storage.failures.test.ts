import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeCluster } from './support/nodeCluster';
import { blobFile, get, listFiles, newId, readBlob, sha256, tempFiles, uploadTo } from './support/nodeFiles';
import { waitFor } from './support/waitFor';

describe('storage under failures (3 real node processes, kill -9)', () => {
  let cluster: NodeCluster;

  beforeAll(async () => {
    cluster = await NodeCluster.create({ profile: 'lan', env: { GEOVAULT_REPAIR_INTERVAL_MS: '500' } });
    await cluster.startAll();
    await waitFor('all alive', () => cluster.allAlive());
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('a replica killed during an upload: still acknowledged with W=2, and whole after it restarts', async () => {
    const userId = newId();
    const fileId = newId();
    const data = crypto.randomBytes(4 * 1024 * 1024);
    let killed = false;
    const res = await uploadTo(cluster, 'us-east', userId, fileId, data, {
      chunked: { chunkBytes: 256 * 1024, pauseMs: 20 },
      onChunk: async (sent) => {
        if (!killed && sent >= data.length / 2) {
          killed = true;
          await cluster.kill('asia');
        }
      },
    });
    expect(killed).toBe(true);
    expect(res.status).toBe(201);
    const { file } = JSON.parse(res.body.toString());
    expect(file.sha256).toBe(sha256(data));
    expect(file.replicas['us-east']).toBe('stored');
    expect(file.replicas.asia).toBe('pending');

    await cluster.start('asia');
    await waitFor('asia to repair itself', () => readBlob(cluster, 'asia', userId, fileId)?.equals(data), { timeoutMs: 20_000 });
    await waitFor('asia to report stored', async () => (await listFiles(cluster, 'us-east', userId)).files[0]?.replicas.asia === 'stored');
    expect(tempFiles(cluster, 'asia')).toEqual([]);
  });

  it('a node down during uploads and deletes is exactly in sync after it rejoins, and nothing deleted comes back', async () => {
    await waitFor('all alive', () => cluster.allAlive());
    const userId = newId();
    const doomed = newId();
    const doomedData = crypto.randomBytes(50_000);
    expect((await uploadTo(cluster, 'us-east', userId, doomed, doomedData)).status).toBe(201);
    await waitFor('eu-west to hold the doomed file', () => readBlob(cluster, 'eu-west', userId, doomed)?.equals(doomedData));
    await waitFor('eu-west to record it', async () => (await listFiles(cluster, 'eu-west', userId)).files.length === 1);

    await cluster.kill('eu-west');
    await waitFor('us-east to see eu-west dead', async () => (await cluster.memberState('us-east', 'eu-west'))?.state === 'dead', { timeoutMs: 15_000 });
    const added = [newId(), newId()];
    const addedData = added.map(() => crypto.randomBytes(80_000));
    for (const [i, id] of added.entries()) expect((await uploadTo(cluster, 'asia', userId, id, addedData[i]!)).status).toBe(201);
    // Deleted for good: to the trash, and purged from it.
    expect((await cluster.request('us-east', 'DELETE', `/v1/files/${userId}/${doomed}`)).status).toBe(200);
    expect((await cluster.request('us-east', 'DELETE', `/v1/tree/${userId}/trash/${doomed}`)).status).toBe(200);

    const rejoinedAt = Date.now();
    await cluster.start('eu-west');
    await waitFor(
      'eu-west to hold exactly the live files',
      () => added.every((id, i) => readBlob(cluster, 'eu-west', userId, id)?.equals(addedData[i]!)) && !fs.existsSync(blobFile(cluster, 'eu-west', userId, doomed)),
      { timeoutMs: 20_000 },
    );
    const syncMs = Date.now() - rejoinedAt;
    expect(syncMs).toBeLessThan(20_000);
    const userDir = path.dirname(blobFile(cluster, 'eu-west', userId, doomed));
    expect(fs.readdirSync(userDir).sort()).toEqual(added.map((id) => `${id}.bin`).sort());

    // Give gossip and repair several rounds: the deleted file must not come back anywhere.
    await new Promise((r) => setTimeout(r, 3_000));
    for (const node of cluster.ids) {
      const listing = await listFiles(cluster, node, userId);
      expect(listing.files.map((f) => f.fileId).sort(), node).toEqual([...added].sort());
      expect(listing.usage.used).toBe(160_000);
      expect(fs.existsSync(blobFile(cluster, node, userId, doomed)), node).toBe(false);
      expect((await get(cluster, node, `/v1/files/${userId}/${doomed}`)).status).toBe(404);
    }
  });

  it('kill -9 of the primary mid-upload: no visible partial file, a consistent index and no temp files after restart', async () => {
    await waitFor('all alive', () => cluster.allAlive());
    const userId = newId();
    const fileId = newId();
    const data = crypto.randomBytes(8 * 1024 * 1024);
    let killed = false;
    const outcome = await uploadTo(cluster, 'eu-west', userId, fileId, data, {
      chunked: { chunkBytes: 256 * 1024, pauseMs: 20 },
      onChunk: async (sent) => {
        if (!killed && sent >= data.length / 3) {
          killed = true;
          await cluster.kill('eu-west');
        }
      },
    }).then(
      (res) => res.status,
      () => 'connection lost',
    );
    expect(killed).toBe(true);
    expect(outcome).toBe('connection lost');
    await cluster.start('eu-west');

    expect(tempFiles(cluster, 'eu-west')).toEqual([]);
    for (const node of cluster.ids) {
      expect(fs.existsSync(blobFile(cluster, node, userId, fileId)), node).toBe(false);
      expect((await listFiles(cluster, node, userId)).files).toEqual([]);
    }
    await waitFor('the peers to drop their partial temp files', () => cluster.ids.every((node) => tempFiles(cluster, node).length === 0));
  });
});
