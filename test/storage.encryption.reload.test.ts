import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeCluster } from './support/nodeCluster';
import { activeKeyId, blobFile, get, newId, sha256, uploadTo } from './support/nodeFiles';
import { waitFor } from './support/waitFor';

const root = path.resolve(import.meta.dirname, '..');

/**
 * Master key rotation without a restart: `keys rotate` writes the new key first in the file and
 * asks every node to reload it (POST /v1/keys/reload); new files are sealed under it at once,
 * the background pass re-wraps the rest, `keys retire` drops the old key, and every node then
 * starts and serves every file without it. A key file that lacks a key still in use is refused.
 */
describe('master key reload without a restart (3 real node processes)', () => {
  let cluster: NodeCluster;
  const userId = newId();
  const files = Array.from({ length: 10 }, (_, i) => ({ fileId: newId(), data: crypto.randomBytes(30_000 + i * 5_000) }));
  const smallFiles = Array.from({ length: 3 }, () => ({ fileId: newId(), data: crypto.randomBytes(3_000) }));
  const keyFile = () => path.join(cluster.dataDir, 'master.key');
  const keys = (command: string) =>
    JSON.parse(
      execFileSync(process.execPath, ['--import', 'tsx', 'scripts/keys.ts', command], {
        cwd: root,
        env: { ...process.env, GEOVAULT_DATA_DIR: cluster.dataDir, GEOVAULT_CONFIG_DIR: cluster.configDir, GEOVAULT_CLUSTER_SECRET: cluster.secret },
      }).toString(),
    );

  beforeAll(async () => {
    cluster = await NodeCluster.create({ profile: 'lan', env: { GEOVAULT_REPAIR_INTERVAL_MS: '2000' } });
    await cluster.startAll();
    await waitFor('all alive', () => cluster.allAlive());
    for (const [i, file] of [...files, ...smallFiles].entries()) {
      expect((await uploadTo(cluster, cluster.ids[i % 3]!, userId, file.fileId, file.data)).status).toBe(201);
    }
    await waitFor('every blob on every node', () => cluster.ids.every((node) => files.every(({ fileId }) => fs.existsSync(blobFile(cluster, node, userId, fileId)))));
  }, 120_000);
  afterAll(async () => {
    await cluster?.close();
  });

  it('refuses a key file without the key the data is under, and keeps working', async () => {
    const original = fs.readFileSync(keyFile());
    fs.writeFileSync(keyFile(), crypto.randomBytes(32).toString('hex') + '\n', { mode: 0o600 });
    try {
      const { nodes } = keys('reload');
      expect(nodes).toHaveLength(3);
      for (const node of nodes) expect(node.error, node.node).toMatch(/encrypted with master key/);
    } finally {
      fs.writeFileSync(keyFile(), original, { mode: 0o600 });
    }
    const res = await get(cluster, 'asia', `/v1/files/${userId}/${files[0]!.fileId}`);
    expect(sha256(res.body)).toBe(sha256(files[0]!.data));
  });

  it('rotates live: new files under the new key at once, the rest re-wrapped, then the old key is no longer needed', async () => {
    const before = keys('status').current as string;
    const rotated = keys('rotate');
    const newKey: string = rotated.current;
    expect(newKey).not.toBe(before);
    expect(rotated.nodes.map((n: { currentKeyId?: string }) => n.currentKeyId)).toEqual([newKey, newKey, newKey]);

    const fresh = { fileId: newId(), data: crypto.randomBytes(50_000) };
    expect((await uploadTo(cluster, 'eu-west', userId, fresh.fileId, fresh.data)).status).toBe(201);
    expect(activeKeyId(blobFile(cluster, 'eu-west', userId, fresh.fileId))).toBe(newKey);
    files.push(fresh);

    await waitFor(
      'every node re-wrapped everything, with no restart',
      async () => {
        for (const node of cluster.ids) {
          const { encryption } = await cluster.status(node);
          if (encryption?.currentKeyId !== newKey || encryption.keyIdsInUse.join() !== newKey || !encryption.background.done) return false;
        }
        return cluster.ids.every((node) => files.every(({ fileId }) => fs.existsSync(blobFile(cluster, node, userId, fileId)) && activeKeyId(blobFile(cluster, node, userId, fileId)) === newKey));
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const inlineRewrapped = await Promise.all(cluster.ids.map(async (node) => (await cluster.status(node)).encryption!.background.inline.rewrapped));
    expect(inlineRewrapped.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(smallFiles.length);

    expect(keys('retire').retired).toEqual([before]);
    await cluster.stopAll();
    await cluster.startAll();
    await waitFor('all alive with the new key alone', () => cluster.allAlive(), { timeoutMs: 30_000 });
    for (const node of cluster.ids) {
      for (const { fileId, data } of [...files, ...smallFiles]) {
        const res = await get(cluster, node, `/v1/files/${userId}/${fileId}`);
        expect(res.status, `${node} ${fileId}`).toBe(200);
        expect(sha256(res.body), `${node} ${fileId}`).toBe(sha256(data));
      }
    }
  }, 150_000);
});
