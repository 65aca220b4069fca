import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeCluster } from './support/nodeCluster';
import { get, listFiles, newId, readBlob, sha256 } from './support/nodeFiles';
import { createUpload, getUpload, patchUpload } from './support/resumableUploads';
import { waitFor } from './support/waitFor';

/** Every regular file under a directory, recursively. */
function allFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...allFiles(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** A seeded generator: the same "random" cut points on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('resumable uploads on the nodes (3 real node processes)', () => {
  let cluster: NodeCluster;
  const userId = newId();

  beforeAll(async () => {
    cluster = await NodeCluster.create({ profile: 'lan', env: { GEOVAULT_REPAIR_INTERVAL_MS: '600000' } });
    await cluster.startAll();
    await waitFor('all alive', () => cluster.allAlive(), { timeoutMs: 60_000 });
  }, 120_000);
  afterAll(async () => {
    await cluster?.close();
  });

  it('takes 64 MiB in irregular PATCHes, cut at 5 points and resumed from the offset, and stores the same SHA-256', async () => {
    const data = crypto.randomBytes(64 * 1024 * 1024);
    const uploadId = newId();
    const created = await createUpload(cluster, 'us-east', userId, { uploadId, length: data.length, filename: 'big.bin', folderId: null, filetype: 'application/octet-stream', sha256: sha256(data) });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.upload).toMatchObject({ id: uploadId, offset: 0, length: data.length });
    expect(created.body.upload.holders).toHaveLength(3);

    const random = seeded(14);
    const cuts = new Set<number>();
    let offset = 0;
    let completed;
    for (let round = 0; round < 200 && !completed; round++) {
      // Irregular PATCH sizes: 1 byte to 12 MiB.
      const size = Math.min(data.length - offset, 1 + Math.floor(random() * 12 * 1024 * 1024));
      const body = data.subarray(offset, offset + size);
      const cut = cuts.size < 5 && size > 1024 * 1024 && random() < 0.6 ? Math.floor(size * (0.2 + random() * 0.6)) : undefined;
      const answer = await patchUpload(cluster, 'us-east', userId, uploadId, offset, body, { cutAfter: cut, pieceBytes: 128 * 1024 });
      if (cut !== undefined) {
        expect(answer.status).toBe(0);
        cuts.add(cut);
        // The node keeps what reached W holders; the client learns where to go on from.
        const before = offset;
        offset = await waitFor('the offset after a cut', async () => {
          const state = await getUpload(cluster, 'eu-west', userId, uploadId);
          const next = state.body.upload.offset;
          // Settled when the PATCH that was cut is done with (a PATCH at that offset is not refused as busy).
          return next > before ? next : false;
        }, { timeoutMs: 30_000 });
        expect(offset).toBeLessThanOrEqual(before + cut);
        continue;
      }
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      offset = answer.body.upload.offset;
      completed = answer.body.upload.completed;
    }
    expect(cuts.size).toBe(5);
    expect(completed).toBeDefined();
    expect(completed!.itemId).toBe(uploadId);
    expect(completed!.file).toMatchObject({ fileId: uploadId, size: data.length, sha256: sha256(data), name: 'big.bin' });
    const download = await get(cluster, 'asia', `/v1/files/${userId}/${uploadId}`);
    expect(download.status).toBe(200);
    expect(sha256(download.body)).toBe(sha256(data));
    // The partial became the blob in place: an ordinary encrypted blob on every holder.
    await waitFor('every holder has the blob', () => cluster.ids.filter((node) => readBlob(cluster, node, userId, uploadId)?.equals(data)).length >= 2);
    const after = await getUpload(cluster, 'asia', userId, uploadId);
    expect(after.body.upload.completed?.itemId).toBe(uploadId);
    expect((await listFiles(cluster, 'eu-west', userId)).files.map((f) => f.name)).toContain('big.bin');
  }, 300_000);
});
