import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NodeStatus } from '../node/src/api/status';
import { NodeCluster } from './support/nodeCluster';
import { get, listFiles, newId, sha256, uploadTo } from './support/nodeFiles';
import { waitFor } from './support/waitFor';

async function kvValue(cluster: NodeCluster, node: string, name: string): Promise<unknown> {
  const res = await cluster.request(node, 'GET', '/v1/kv');
  const { entries } = (await res.json()) as { entries: Array<{ name: string; value: unknown }> };
  return entries.find((entry) => entry.name === name)?.value;
}

async function fileIds(cluster: NodeCluster, node: string, userId: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const res = await get(cluster, node, `/v1/files/${userId}?limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
    const page = JSON.parse(res.body.toString()) as { files: Array<{ fileId: string }>; cursor?: string };
    ids.push(...page.files.map((file) => file.fileId));
    cursor = page.cursor;
  } while (cursor);
  return ids.sort();
}

describe('the index on disk: durable before visible (3 real node processes)', () => {
  let cluster: NodeCluster;

  beforeAll(async () => {
    cluster = await NodeCluster.create({ profile: 'lan', env: { GEOVAULT_REPAIR_INTERVAL_MS: '1000' } });
    await cluster.startAll();
    await waitFor('all alive', () => cluster.allAlive());
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('kill -9 during a burst of uploads: every acknowledged file is there after restart, whole, and nothing half-made is', async () => {
    const userId = newId();
    const payloads = new Map<string, Buffer>();
    const acked = new Set<string>();
    let killed = false;
    const upload = async () => {
      while (!killed) {
        const fileId = newId();
        const data = crypto.randomBytes(2048 + crypto.randomInt(4096));
        payloads.set(fileId, data);
        const res = await uploadTo(cluster, 'us-east', userId, fileId, data).catch(() => undefined);
        if (res?.status === 201) acked.add(fileId);
        if (acked.size >= 120 && !killed) {
          killed = true;
          await cluster.kill('us-east');
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, upload));
    expect(acked.size).toBeGreaterThanOrEqual(120);

    await cluster.start('us-east');
    const listed = await fileIds(cluster, 'us-east', userId);
    // Acknowledged means committed on us-east before the answer: none may be missing.
    expect([...acked].filter((id) => !listed.includes(id))).toEqual([]);
    // Whatever else is listed was an upload in flight whose entry did commit: it must be whole.
    expect(listed.every((id) => payloads.has(id))).toBe(true);
    for (const id of listed) {
      const res = await get(cluster, 'us-east', `/v1/files/${userId}/${id}`);
      expect(res.status).toBe(200);
      expect(sha256(res.body)).toBe(sha256(payloads.get(id)!));
    }
    // And every node agrees on the same set once gossip has run.
    for (const node of ['eu-west', 'asia']) {
      await waitFor(`${node} to list the same files`, async () => JSON.stringify(await fileIds(cluster, node, userId)) === JSON.stringify(listed));
    }
  });

  it('a node that missed 20 values of 60 KB catches up (answers are capped by bytes, not by count)', async () => {
    await waitFor('all alive', () => cluster.allAlive());
    expect((await cluster.request('asia', 'POST', '/v1/faults', { partitionedFrom: ['us-east', 'eu-west'] })).status).toBe(200);
    const values = Array.from({ length: 20 }, (_, i) => `${i}:`.padEnd(60_000, String.fromCharCode(97 + i)));
    for (const [i, value] of values.entries()) {
      expect((await cluster.request('us-east', 'PUT', `/v1/kv/big-${i}`, { value })).status).toBe(200);
    }
    expect(await kvValue(cluster, 'asia', 'big-0')).toBeUndefined();
    expect((await cluster.request('asia', 'POST', '/v1/faults', { clear: true })).status).toBe(200);
    await waitFor(
      'asia to hold all 20 values',
      async () => {
        for (const [i, value] of values.entries()) if ((await kvValue(cluster, 'asia', `big-${i}`)) !== value) return false;
        return true;
      },
      { timeoutMs: 20_000 },
    );
    expect(cluster.logs('asia')).not.toMatch(/Max payload size exceeded/);
  });
});

describe('a node whose disk fills up (its data dir on a 24 MiB tmpfs)', () => {
  let cluster: NodeCluster;
  let mount: string;
  const filler = () => path.join(mount, 'filler.bin');

  beforeAll(async () => {
    cluster = await NodeCluster.create({ profile: 'lan', env: { GEOVAULT_REPAIR_INTERVAL_MS: '1000' } });
    mount = path.join(cluster.dataDir, 'node-us-east');
    fs.mkdirSync(mount, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m,mode=0700', 'tmpfs', mount]);
    await cluster.startAll();
    await waitFor('all alive', () => cluster.allAlive());
  });
  afterEach(() => fs.rmSync(filler(), { force: true }));
  afterAll(async () => {
    await cluster?.stopAll();
    if (mount) execFileSync('umount', ['-l', mount]);
    await cluster?.close();
  });

  const status = async (node: string) => (await (await cluster.request(node, 'GET', '/v1/status')).json()) as NodeStatus;

  it('refuses writes with 507 and says so; no ghost file, no resurrected delete; takes writes again once space is freed', async () => {
    const userId = newId();
    const kept = newId();
    const doomed = newId();
    for (const id of [kept, doomed]) expect((await uploadTo(cluster, 'eu-west', userId, id, crypto.randomBytes(10_000))).status).toBe(201);
    await waitFor('us-east to list both files', async () => (await fileIds(cluster, 'us-east', userId)).length === 2);

    // Fill the disk to the last byte.
    const fd = fs.openSync(filler(), 'w');
    const block = Buffer.alloc(1024 * 1024, 1);
    try {
      for (;;) fs.writeSync(fd, block);
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    }
    for (const small of [64 * 1024, 4096, 512, 1]) {
      try {
        for (;;) fs.writeSync(fd, block.subarray(0, small));
      } catch {
        // next, smaller
      }
    }
    fs.closeSync(fd);

    // The delete (to the trash, then purged from it) happens elsewhere while us-east cannot store it.
    expect((await cluster.request('eu-west', 'DELETE', `/v1/files/${userId}/${doomed}`)).status).toBe(200);
    expect((await cluster.request('eu-west', 'DELETE', `/v1/tree/${userId}/trash/${doomed}`)).status).toBe(200);

    // Index writes on us-east fail sooner or later (the log may still have room for a few).
    const refused: string[] = [];
    const storedWhileFull: string[] = [];
    for (let i = 0; i < 2000 && refused.length === 0; i++) {
      const ghost = newId();
      const res = await uploadTo(cluster, 'us-east', userId, ghost, crypto.randomBytes(4096));
      if (res.status === 507) refused.push(ghost);
      else {
        expect(res.status).toBe(201);
        storedWhileFull.push(ghost);
      }
    }
    expect(refused).toHaveLength(1);
    const res507 = await cluster.request('us-east', 'PUT', '/v1/kv/while-full', { value: 1 });
    expect(res507.status).toBe(507);
    expect(((await res507.json()) as { error: { code: string } }).error.code).toBe('insufficient_storage');
    const full = await status('us-east');
    expect(full.index.health).toMatchObject({ writable: false, reason: 'disk full' });

    // Gossip goes on meanwhile: nothing us-east could not store is vouched for, so nothing is lost.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    for (const node of cluster.ids) {
      const ids = await fileIds(cluster, node, userId);
      expect(ids).not.toContain(refused[0]);
      if (node !== 'us-east') expect(ids).not.toContain(doomed);
    }

    fs.rmSync(filler());
    await waitFor('us-east to take writes again', async () => (await status('us-east')).index.health.writable, { timeoutMs: 10_000 });
    expect((await cluster.request('us-east', 'PUT', '/v1/kv/after-full', { value: 2 })).status).toBe(200);
    await waitFor('us-east to learn the delete', async () => !(await fileIds(cluster, 'us-east', userId)).includes(doomed), { timeoutMs: 10_000 });
    const after = newId();
    expect((await uploadTo(cluster, 'us-east', userId, after, crypto.randomBytes(4096))).status).toBe(201);

    // Some time later: the delete stayed a delete, the refused upload never appeared, the rest is there.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    for (const node of cluster.ids) {
      const ids = await fileIds(cluster, node, userId);
      expect(ids).toContain(kept);
      expect(ids).toContain(after);
      // A file the client was told is stored is stored.
      for (const id of storedWhileFull) expect(ids).toContain(id);
      expect(ids).not.toContain(doomed);
      expect(ids).not.toContain(refused[0]);
    }
    const usEastFiles = await listFiles(cluster, 'us-east', userId);
    expect(usEastFiles.usage.files).toBe(usEastFiles.files.length);
  });
});
