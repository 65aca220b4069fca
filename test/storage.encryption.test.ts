import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processEnv, processFlags } from '../scripts/buildServer.mjs';
import { DEFAULT_SEGMENT_BYTES as S, BLOB_MAGIC, HEADER_BYTES, segmentOffset } from '../node/src/storage/encryption/blobFormat';
import { NodeCluster } from './support/nodeCluster';
import { allFiles, blobFile, get, listFiles, newId, readBlob, readIfStill, sha256, uploadTo } from './support/nodeFiles';
import { waitFor } from './support/waitFor';

const root = path.resolve(import.meta.dirname, '..');

/** A file whose every 64-byte stretch holds `mark`: any plaintext stretch of it on disk would be found. */
function patterned(mark: Buffer, size: number): Buffer {
  return Buffer.alloc(size, mark);
}

/** Starts one node process with extra env and waits for it to exit; its exit code and output. */
function runNodeUntilExit(cluster: NodeCluster, id: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [...processFlags('node'), 'dist/node.mjs', id], {
      cwd: root,
      env: processEnv({
        ...process.env,
        GEOVAULT_DATA_DIR: cluster.dataDir,
        GEOVAULT_CONFIG_DIR: cluster.configDir,
        GEOVAULT_CLUSTER_SECRET: cluster.secret,
        GEOVAULT_PROFILE: cluster.profile,
        ...env,
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    proc.stdout.on('data', (c: Buffer) => output.push(c.toString()));
    proc.stderr.on('data', (c: Buffer) => output.push(c.toString()));
    const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output: output.join('') });
    });
  });
}

function snapshot(dir: string): string[] {
  return allFiles(dir)
    .map((file) => {
      const stat = fs.statSync(file);
      return `${file} ${stat.size} ${stat.mtimeMs}`;
    })
    .sort();
}

describe('encryption at rest (3 real node processes)', () => {
  let cluster: NodeCluster;
  const userId = newId();
  const fileId = newId();
  const mark = Buffer.from(`GV-PLAINTEXT-${crypto.randomBytes(8).toString('hex')}`);
  // Three whole segments and a short last one.
  const data = patterned(mark, 3 * S + 1234);
  // A small file is kept in the index itself (inline), on every node.
  const smallId = newId();
  const smallMark = Buffer.from(`GV-INLINE-${crypto.randomBytes(8).toString('hex')}`);
  const small = patterned(smallMark, 5000);

  beforeAll(async () => {
    cluster = await NodeCluster.create({
      profile: 'lan',
      env: { GEOVAULT_SCRUB_INTERVAL_MS: '300', GEOVAULT_REPAIR_INTERVAL_MS: '600000' },
    });
    await cluster.startAll();
    await waitFor('all alive', () => cluster.allAlive());
    expect((await uploadTo(cluster, 'us-east', userId, fileId, data)).status).toBe(201);
    await waitFor('every replica stored', async () =>
      cluster.ids.every((node) => readBlob(cluster, node, userId, fileId)?.equals(data)) &&
      Object.values((await listFiles(cluster, 'us-east', userId)).files[0]?.replicas ?? {}).filter((s) => s === 'stored').length === 3,
    );
    expect((await uploadTo(cluster, 'eu-west', userId, smallId, small)).status).toBe(201);
    await waitFor('the inline file on every node', async () => {
      const answers = await Promise.all(cluster.ids.map(async (node) => ({ node, answer: await get(cluster, node, `/v1/files/${userId}/${smallId}`) })));
      return answers.every(({ node, answer }) => answer.status === 200 && answer.body.equals(small) && answer.headers['x-geovault-served-by'] === node);
    });
  }, 120_000);
  afterAll(async () => {
    await cluster?.close();
  });

  it('leaves no byte pattern of an uploaded file anywhere under the data dir of any node', () => {
    const files = allFiles(cluster.dataDir);
    // The blobs are there, encrypted, and identical on every node (encrypted once, at the coordinator).
    const blobs = cluster.ids.map((node) => fs.readFileSync(blobFile(cluster, node, userId, fileId)));
    for (const blob of blobs) expect(blob.subarray(0, BLOB_MAGIC.length)).toEqual(BLOB_MAGIC);
    // equals(), not toEqual: vitest walks Buffers as objects, seconds for a few hundred KiB.
    expect(blobs[1]!.equals(blobs[0]!)).toBe(true);
    expect(blobs[2]!.equals(blobs[0]!)).toBe(true);
    expect(files.length).toBeGreaterThan(6);
    const found = files.filter((file) => readIfStill(file).indexOf(mark) >= 0);
    expect(found).toEqual([]);
    // Nor the inline file's, as bytes or as the base64 an index value would hold them in.
    const smallBase64 = Buffer.from(small.toString('base64').slice(200, 264));
    const inIndex = files.filter((file) => {
      const bytes = readIfStill(file);
      return bytes.indexOf(smallMark) >= 0 || bytes.indexOf(smallBase64) >= 0;
    });
    expect(inIndex).toEqual([]);
  });

  it('answers the whole file and every Range: segment edges, across segments, the last byte', async () => {
    const n = data.length;
    const ranges: Array<[string, number, number]> = [
      ['bytes=0-0', 0, 0],
      [`bytes=${S - 1}-${S - 1}`, S - 1, S - 1],
      [`bytes=${S - 1}-${S}`, S - 1, S],
      [`bytes=${S}-${2 * S - 1}`, S, 2 * S - 1],
      [`bytes=100-${3 * S + 5}`, 100, 3 * S + 5],
      [`bytes=${n - 1}-`, n - 1, n - 1],
      ['bytes=-1', n - 1, n - 1],
      [`bytes=${3 * S}-`, 3 * S, n - 1],
    ];
    // us-east reads its own replica; asia, whose blob is taken away, reads the ciphertext of a peer and opens it.
    for (const node of ['us-east', 'asia']) {
      // Taken away just before the read: asia's repairer may already have pulled it back once
      // (a late replica record nudges it), and then asia would serve its own copy.
      if (node === 'asia') fs.rmSync(blobFile(cluster, 'asia', userId, fileId), { force: true });
      const whole = await get(cluster, node, `/v1/files/${userId}/${fileId}`);
      expect(whole.status, node).toBe(200);
      expect(sha256(whole.body), node).toBe(sha256(data));
      if (node === 'asia') expect(whole.headers['x-geovault-served-by']).not.toBe('asia');
      for (const [header, start, end] of ranges) {
        const res = await get(cluster, node, `/v1/files/${userId}/${fileId}`, { range: header });
        expect(res.status, `${node} ${header}`).toBe(206);
        expect(res.headers['content-range'], `${node} ${header}`).toBe(`bytes ${start}-${end}/${n}`);
        expect(res.body.equals(data.subarray(start, end + 1)), `${node} ${header}`).toBe(true);
      }
    }
    // Repair brings asia's copy back as the peers' ciphertext, byte for byte.
    const verify = await cluster.request('us-east', 'POST', `/v1/files/${userId}/${fileId}/repair`);
    expect(verify.status).toBe(200);
    expect(fs.readFileSync(blobFile(cluster, 'asia', userId, fileId)).equals(fs.readFileSync(blobFile(cluster, 'eu-west', userId, fileId)))).toBe(true);
  });

  it('finds a flipped byte with the scrubber and repairs the replica from a peer', async () => {
    const before = (await cluster.status('eu-west')).storage.scrub.corruptFound;
    const file = blobFile(cluster, 'eu-west', userId, fileId);
    const good = fs.readFileSync(file);
    const fd = fs.openSync(file, 'r+');
    // A byte of segment 2's tag: its plaintext still decrypts right, so only checking the tag finds it.
    const at = segmentOffset(3, S) - 5;
    fs.writeSync(fd, Buffer.from([good[at]! ^ 0x01]), 0, 1, at);
    fs.closeSync(fd);
    expect(fs.statSync(file).size).toBe(good.length);

    await waitFor('the scrubber to find it', async () => (await cluster.status('eu-west')).storage.scrub.corruptFound > before, { timeoutMs: 30_000 });
    await waitFor('the repair to restore the bytes', () => fs.readFileSync(file).equals(good), { timeoutMs: 30_000 });
    await waitFor('eu-west to be stored again', async () => (await listFiles(cluster, 'us-east', userId)).files[0]?.replicas['eu-west'] === 'stored');
    expect(readBlob(cluster, 'eu-west', userId, fileId)?.equals(data)).toBe(true);
  });

  it('refuses to start a node with the wrong master key, touching nothing, and starts it with the right one', async () => {
    await cluster.kill('asia');
    // asia's own directory and the key file (the other nodes keep writing their own directories).
    const asiaDir = path.join(cluster.dataDir, 'node-asia');
    const keyFile = path.join(cluster.dataDir, 'master.key');
    const state = () => [...snapshot(asiaDir), fs.readFileSync(keyFile, 'hex')];
    const before = state();
    const wrong = crypto.randomBytes(32).toString('hex');
    const run = await runNodeUntilExit(cluster, 'asia', { GEOVAULT_MASTER_KEY: wrong });
    expect(run.code).toBe(2);
    expect(run.output).toMatch(/configuration error: GEOVAULT_MASTER_KEY: master key: this node's blobs are encrypted with master key [0-9a-f]{16}/);
    expect(state()).toEqual(before);

    await cluster.start('asia');
    const res = await get(cluster, 'asia', `/v1/files/${userId}/${fileId}`, { range: `bytes=${HEADER_BYTES}-${HEADER_BYTES + 9}` });
    expect(res.body.equals(data.subarray(HEADER_BYTES, HEADER_BYTES + 10))).toBe(true);
  });
});
