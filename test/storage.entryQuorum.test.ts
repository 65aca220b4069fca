import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeCluster } from './support/nodeCluster';
import { get, newId, sha256, uploadTo } from './support/nodeFiles';
import { waitFor } from './support/waitFor';

/**
 * W=2 covers the file's entry as well as its bytes (issue 17): an upload is acknowledged only
 * once a peer holds the committed entry on its disk. On the wan profile a frame waits out its
 * link's delay inside the sender, so a primary killed right after its answer has, without
 * this rule, never sent the entry anywhere.
 */
describe('an acknowledged upload survives its primary losing its disk right after the ack (3 real node processes, wan)', () => {
  let cluster: NodeCluster;

  beforeAll(async () => {
    cluster = await NodeCluster.create({
      profile: 'wan',
      env: { GEOVAULT_ORPHAN_GRACE_MS: '2000', GEOVAULT_REPAIR_INTERVAL_MS: '1000', GEOVAULT_INLINE_MAX_BYTES: '0' },
    });
    await cluster.startAll();
    await waitFor('all alive', () => cluster.allAlive(), { timeoutMs: 30_000 });
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('kill -9 and wipe of the primary as soon as it answers 201: the file is still there, whole, on the others', async () => {
    const userId = newId();
    const files = Array.from({ length: 3 }, () => ({ fileId: newId(), data: crypto.randomBytes(64 * 1024) }));
    const uploads = await Promise.all(files.map(({ fileId, data }) => uploadTo(cluster, 'us-east', userId, fileId, data)));
    await cluster.kill('us-east');
    for (const upload of uploads) expect(upload.status).toBe(201);
    fs.rmSync(path.join(cluster.dataDir, 'node-us-east'), { recursive: true, force: true });

    // Past the orphan grace and a few sweeps: a copy without a known entry would be gone by now.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    for (const { fileId, data } of files) {
      const got = await waitFor(`${fileId} to be served by eu-west`, async () => {
        const res = await get(cluster, 'eu-west', `/v1/files/${userId}/${fileId}`);
        return res.status === 200 ? res : undefined;
      }, { timeoutMs: 20_000 });
      expect(sha256(got.body)).toBe(sha256(data));
    }
  });
});
