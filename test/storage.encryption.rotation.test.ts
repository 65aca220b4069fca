import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeCluster } from './support/nodeCluster';
import { activeKeyId, blobFile, get, newId, readBlob, sha256, uploadTo } from './support/nodeFiles';
import { waitFor } from './support/waitFor';

const root = path.resolve(import.meta.dirname, '..');

/**
 * Master key rotation: `keys rotate`, nodes restarted one by one while uploads go on, one of
 * them killed -9 halfway through its re-wrap; then every blob is under the new key, `keys
 * retire` drops the old one, and every node starts and serves every file without it. The node
 * env (the re-wrap's pace) is set through process.env, which each start reads.
 */
describe('master key rotation (3 real node processes)', () => {
  let cluster: NodeCluster;
  const saved = { ...process.env };
  const userId = newId();
  const files: Array<{ fileId: string; data: Buffer }> = [];
  // Small files, kept sealed in the index itself (inline): their headers are re-wrapped too.
  const smallFiles = Array.from({ length: 4 }, (_, i) => ({ fileId: newId(), data: crypto.randomBytes(2_000 + i * 2_000) }));
  const keys = (command: string) =>
    JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', 'scripts/keys.ts', command], { cwd: root, env: { ...process.env, GEOVAULT_DATA_DIR: cluster.dataDir } }).toString());

  beforeAll(async () => {
    cluster = await NodeCluster.create({ profile: 'lan', env: { GEOVAULT_REPAIR_INTERVAL_MS: '2000' } });
    await cluster.startAll();
    await waitFor('all alive', () => cluster.allAlive());
    for (let i = 0; i < 12; i++) {
      const file = { fileId: newId(), data: crypto.randomBytes(20_000 + i * 3_000) };
      expect((await uploadTo(cluster, cluster.ids[i % 3]!, userId, file.fileId, file.data)).status).toBe(201);
      files.push(file);
    }
    for (const [i, file] of smallFiles.entries()) expect((await uploadTo(cluster, cluster.ids[i % 3]!, userId, file.fileId, file.data)).status).toBe(201);
    await waitFor('every blob on every node', () => cluster.ids.every((node) => files.every(({ fileId }) => fs.existsSync(blobFile(cluster, node, userId, fileId)))));
  }, 120_000);
  afterAll(async () => {
    process.env = saved;
    await cluster?.close();
  });

  it('re-wraps every data key under load and a kill -9, after which the old key is no longer needed', async () => {
    const before = keys('status');
    const rotated = keys('rotate');
    expect(rotated.older).toEqual([before.current]);
    const newKey: string = rotated.current;

    // Uploads go on through the rotation; those that meet a restarting node may fail, the others must stay readable.
    let loading = true;
    const load = (async () => {
      for (let i = 0; loading; i++) {
        const file = { fileId: newId(), data: crypto.randomBytes(25_000) };
        const res = await uploadTo(cluster, cluster.ids[i % 3]!, userId, file.fileId, file.data).catch(() => undefined);
        if (res?.status === 201) files.push(file);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    // us-east first, slowly (three blobs a second), killed -9 once it has re-wrapped some.
    process.env.GEOVAULT_CONVERT_FILES_PER_SEC = '3';
    await cluster.kill('us-east', 'SIGTERM');
    await cluster.start('us-east');
    const original = files.slice(0, 12).map(({ fileId }) => blobFile(cluster, 'us-east', userId, fileId));
    await waitFor('us-east to re-wrap some blobs', () => original.filter((file) => activeKeyId(file) === newKey).length >= 2, { timeoutMs: 30_000 });
    await cluster.kill('us-east');
    expect(original.filter((file) => activeKeyId(file) === newKey).length).toBeLessThan(original.length);
    for (const { fileId, data } of files.slice(0, 12)) expect(readBlob(cluster, 'us-east', userId, fileId)?.equals(data), fileId).toBe(true);

    process.env.GEOVAULT_CONVERT_FILES_PER_SEC = '500';
    for (const node of cluster.ids) {
      await cluster.kill(node, 'SIGTERM');
      await cluster.start(node);
    }
    await waitFor('all alive again', () => cluster.allAlive(), { timeoutMs: 30_000 });
    loading = false;
    await load;
    expect(files.length).toBeGreaterThan(12);
    await waitFor(
      'every blob on every node under the new key, every marker on it alone',
      () =>
        keys('status').nodes.every((n: { keyIds: string[] }) => n.keyIds.length === 1 && n.keyIds[0] === newKey) &&
        cluster.ids.every((node) =>
          files.every(({ fileId }) => {
            const file = blobFile(cluster, node, userId, fileId);
            return fs.existsSync(file) && activeKeyId(file) === newKey;
          }),
        ),
      { timeoutMs: 60_000, intervalMs: 250 },
    );

    // /v1/status shows where each node is.
    await waitFor('every node to report the rotation done in /v1/status', async () => {
      for (const node of cluster.ids) {
        const { encryption } = await cluster.status(node);
        if (encryption?.currentKeyId !== newKey || encryption.keyIdsInUse.join() !== newKey || !encryption.background.done) return false;
      }
      return true;
    });
    const rewrapped = await Promise.all(cluster.ids.map(async (node) => (await cluster.status(node)).encryption!.background.rewrapped));
    expect(rewrapped.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    // Each inline file re-wrapped once in the cluster, by its user's quota owner.
    const inlineRewrapped = await Promise.all(cluster.ids.map(async (node) => (await cluster.status(node)).encryption!.background.inline.rewrapped));
    expect(inlineRewrapped.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(smallFiles.length);

    const retired = keys('retire');
    expect(retired.retired).toEqual([before.current]);
    expect(fs.readFileSync(path.join(cluster.dataDir, 'master.key'), 'utf8').trim().split('\n')).toHaveLength(1);
    await cluster.stopAll();
    await cluster.startAll();
    await waitFor('all alive with the new key alone', () => cluster.allAlive(), { timeoutMs: 30_000 });
    for (const node of cluster.ids) {
      for (const { fileId, data } of smallFiles) {
        const res = await get(cluster, node, `/v1/files/${userId}/${fileId}`);
        expect(res.status, `${node} ${fileId}`).toBe(200);
        expect(res.headers['x-geovault-served-by'], `${node} ${fileId}`).toBe(node);
        expect(res.body.equals(data), `${node} ${fileId}`).toBe(true);
      }
      for (const { fileId, data } of files) {
        const res = await get(cluster, node, `/v1/files/${userId}/${fileId}`);
        expect(res.status, `${node} ${fileId}`).toBe(200);
        expect(sha256(res.body), `${node} ${fileId}`).toBe(sha256(data));
      }
    }
  }, 240_000);
});
