import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOB_MAGIC } from '../node/src/storage/encryption/blobFormat';
import { NodeCluster } from './support/nodeCluster';
import { allFiles, blobFile, get, newId, readBlob, readIfStill, sha256, uploadTo } from './support/nodeFiles';
import { waitFor } from './support/waitFor';

const isEncrypted = (file: string) => fs.readFileSync(file).subarray(0, BLOB_MAGIC.length).equals(BLOB_MAGIC);

/**
 * A data dir written without encryption (as the release before it wrote: plaintext blobs, no
 * key marker) is converted in the background once the nodes run with encryption, and a kill -9
 * halfway leaves every file readable. The node env is set through process.env, which each
 * start reads, so that the same cluster restarts with other settings.
 */
describe('conversion of plaintext blobs (3 real node processes)', () => {
  let cluster: NodeCluster;
  const saved = { ...process.env };
  const userId = newId();
  const mark = Buffer.from(`GV-LEGACY-${crypto.randomBytes(8).toString('hex')}`);
  const files = Array.from({ length: 8 }, (_, i) => ({ fileId: newId(), data: Buffer.alloc(150_000 + i * 10_000, mark) }));
  // Small files, kept in the index itself (inline) as plaintext before encryption.
  const inlineMark = Buffer.from(`GV-LEGACY-INLINE-${crypto.randomBytes(8).toString('hex')}`);
  const smallFiles = Array.from({ length: 3 }, (_, i) => ({ fileId: newId(), data: Buffer.alloc(6000 + i * 100, inlineMark) }));
  /** A stretch of a small file's base64, as an index value from before encryption holds it. */
  const inlineBase64 = Buffer.from(smallFiles[0]!.data.toString('base64').slice(200, 264));
  const holdsInlinePlaintext = (file: string) => {
    const bytes = readIfStill(file);
    return bytes.indexOf(inlineMark) >= 0 || bytes.indexOf(inlineBase64) >= 0;
  };

  beforeAll(async () => {
    cluster = await NodeCluster.create({ profile: 'lan', env: { GEOVAULT_REPAIR_INTERVAL_MS: '600000' } });
    process.env.GEOVAULT_ENCRYPTION = 'off';
    await cluster.startAll();
    await waitFor('all alive', () => cluster.allAlive());
    for (const { fileId, data } of [...files, ...smallFiles]) expect((await uploadTo(cluster, 'us-east', userId, fileId, data)).status).toBe(201);
    await waitFor('every blob on every node', () => cluster.ids.every((node) => files.every(({ fileId, data }) => readBlob(cluster, node, userId, fileId)?.equals(data))));
  }, 120_000);
  afterAll(async () => {
    process.env = saved;
    await cluster?.close();
  });

  it('starts from plaintext blobs, the pattern readable on disk', () => {
    for (const node of cluster.ids) for (const { fileId } of files) expect(isEncrypted(blobFile(cluster, node, userId, fileId))).toBe(false);
    expect(allFiles(cluster.dataDir).some((file) => readIfStill(file).indexOf(mark) >= 0)).toBe(true);
    expect(allFiles(cluster.dataDir).some(holdsInlinePlaintext)).toBe(true);
  });

  it('survives a kill -9 halfway with every file readable, then encrypts every blob, and the pattern is gone', async () => {
    await cluster.stopAll();
    delete process.env.GEOVAULT_ENCRYPTION;
    // Slowly: about one blob a second, so that the kill lands between blobs or inside one.
    process.env.GEOVAULT_CONVERT_BYTES_PER_SEC = '150000';
    await cluster.startAll();
    const usEastBlobs = files.map(({ fileId }) => blobFile(cluster, 'us-east', userId, fileId));
    await waitFor('us-east to have encrypted some blobs', () => usEastBlobs.filter(isEncrypted).length >= 2, { timeoutMs: 30_000 });
    await cluster.kill('us-east');
    const converted = usEastBlobs.filter(isEncrypted).length;
    expect(converted).toBeLessThan(files.length);
    // Halfway: each blob is either its plaintext or a whole encrypted blob of it.
    for (const { fileId, data } of files) expect(readBlob(cluster, 'us-east', userId, fileId)?.equals(data), fileId).toBe(true);

    process.env.GEOVAULT_CONVERT_BYTES_PER_SEC = String(64 * 1024 * 1024);
    await cluster.start('us-east');
    await waitFor('every blob on every node encrypted', () => cluster.ids.every((node) => files.every(({ fileId }) => isEncrypted(blobFile(cluster, node, userId, fileId)))), {
      timeoutMs: 60_000,
    });
    const found = allFiles(cluster.dataDir).filter((file) => readIfStill(file).indexOf(mark) >= 0);
    expect(found).toEqual([]);
    for (const node of cluster.ids) {
      expect(fs.existsSync(path.join(cluster.dataDir, `node-${node}`, '_system', 'plaintext-converted')), node).toBe(true);
      for (const { fileId, data } of files) {
        const res = await get(cluster, node, `/v1/files/${userId}/${fileId}`, { range: 'bytes=1000-70000' });
        expect(res.status).toBe(206);
        expect(res.body.equals(data.subarray(1000, 70001)), `${node} ${fileId}`).toBe(true);
        expect(sha256(readBlob(cluster, node, userId, fileId)!)).toBe(sha256(data));
      }
    }
    // The inline files are sealed too (each by its user's quota owner, the others by gossip),
    // still readable from every node, and, once the nodes have closed their index, their
    // plaintext is nowhere on disk: not in the index, its log, or its free pages.
    await waitFor('every inline file sealed on every node', () =>
      cluster.ids.every((node) => fs.existsSync(path.join(cluster.dataDir, `node-${node}`, '_system', 'inline-sealed'))), { timeoutMs: 60_000 });
    for (const node of cluster.ids) {
      for (const { fileId, data } of smallFiles) {
        const res = await get(cluster, node, `/v1/files/${userId}/${fileId}`);
        expect(res.status).toBe(200);
        expect(res.body.equals(data), `${node} ${fileId}`).toBe(true);
        expect(res.headers['x-geovault-served-by']).toBe(node);
      }
    }
    await Promise.all(cluster.ids.map((node) => cluster.kill(node, 'SIGTERM')));
    expect(allFiles(cluster.dataDir).filter(holdsInlinePlaintext)).toEqual([]);
    await cluster.startAll();
    await waitFor('all alive', () => cluster.allAlive());
  }, 180_000);

  it('repairs on request a replica whose tags fail (POST …/repair on the node itself and, through it, on a peer)', async () => {
    const { fileId, data } = files[0]!;
    const flip = (node: string) => {
      const file = blobFile(cluster, node, userId, fileId);
      const bytes = fs.readFileSync(file);
      const at = bytes.length - 3; // inside the last segment's tag: only the tag check can tell
      const fd = fs.openSync(file, 'r+');
      fs.writeSync(fd, Buffer.from([bytes[at]! ^ 0x10]), 0, 1, at);
      fs.closeSync(fd);
    };
    flip('us-east');
    flip('asia');
    // The scrubber runs once an hour here: only the request finds them.
    const res = await cluster.request('us-east', 'POST', `/v1/files/${userId}/${fileId}/repair`);
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as { results: Array<{ node: string; before: string; after: string; repaired: boolean }> };
    const byNode = Object.fromEntries(results.map((r) => [r.node, r]));
    expect(byNode['us-east']).toMatchObject({ before: 'corrupt', after: 'stored', repaired: true });
    expect(byNode.asia).toMatchObject({ before: 'corrupt', after: 'stored', repaired: true });
    for (const node of ['us-east', 'asia']) expect(readBlob(cluster, node, userId, fileId)?.equals(data), node).toBe(true);
  });
});
