import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeCluster } from './support/nodeCluster';
import { get, newId, readBlob, sha256 } from './support/nodeFiles';
import { createOnEveryNode, createUpload, getUpload, patchResuming, patchUpload } from './support/resumableUploads';
import { waitFor } from './support/waitFor';

const MiB = 1024 * 1024;

function partialsOf(cluster: NodeCluster, userId: string): string[] {
  return cluster.ids.flatMap((node) => {
    const dir = path.join(cluster.dataDir, `node-${node}`, userId, 'uploads');
    return fs.existsSync(dir) ? fs.readdirSync(dir).map((name) => `${node}/${name}`) : [];
  });
}

describe('a resumable upload whose coordinator dies (3 real node processes)', () => {
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

  it('goes on through another node after the coordinating node is killed mid-PATCH, and finishes with the right hash', async () => {
    const data = crypto.randomBytes(24 * MiB + 4321);
    const created = await createOnEveryNode(cluster, 'us-east', userId, { length: data.length, filename: 'survivor.bin', folderId: null, filetype: 'application/x-test', sha256: sha256(data) });
    expect(created.body.upload.holders, JSON.stringify(created.body)).toHaveLength(3);
    const uploadId = created.body.upload.id;
    const first = await patchUpload(cluster, 'us-east', userId, uploadId, 0, data.subarray(0, 5 * MiB + 1));
    expect(first.body.upload.offset).toBe(5 * MiB + 1);

    let killed: Promise<void> | undefined;
    const cut = await patchUpload(cluster, 'us-east', userId, uploadId, 5 * MiB + 1, data.subarray(5 * MiB + 1, 20 * MiB), {
      pieceBytes: 256 * 1024,
      pauseMs: 20,
      onSent: (sent) => {
        if (sent >= 4 * MiB && !killed) killed = cluster.kill('us-east', 'SIGKILL');
      },
    });
    await killed;
    expect(cut.status).toBe(0);
    expect(cluster.isRunning('us-east')).toBe(false);

    // Any other node answers where the upload stands, and carries on from there.
    const state = await waitFor('the upload through eu-west', async () => {
      const answer = await getUpload(cluster, 'eu-west', userId, uploadId);
      return answer.status === 200 ? answer.body.upload : false;
    }, { timeoutMs: 30_000 });
    expect(state.offset).toBe(5 * MiB + 1);
    let offset = state.offset;
    let completed;
    while (!completed) {
      const next = Math.min(data.length, offset + 8 * MiB);
      const answer = await patchUpload(cluster, 'eu-west', userId, uploadId, offset, data.subarray(offset, next));
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      offset = answer.body.upload.offset;
      completed = answer.body.upload.completed;
    }
    // eu-west saw only the end of the file: the whole-file hash came from the partial, read once.
    expect(completed.file).toMatchObject({ size: data.length, sha256: sha256(data), mime: 'application/x-test' });
    const download = await get(cluster, 'asia', `/v1/files/${userId}/${uploadId}`);
    expect(download.status).toBe(200);
    expect(sha256(download.body)).toBe(sha256(data));
    // The holders that finished it keep no partial; the dead one's is left to its expiry.
    expect(partialsOf(cluster, userId).filter((p) => !p.startsWith('us-east/'))).toEqual([]);
  }, 240_000);

  it('catches a holder that was down up with the ciphertext it missed before new bytes go on', async () => {
    for (const node of cluster.ids) if (!cluster.isRunning(node)) await cluster.start(node);
    await waitFor('all alive', () => cluster.allAlive(), { timeoutMs: 60_000 });
    const data = crypto.randomBytes(9 * MiB + 17);
    const created = await createOnEveryNode(cluster, 'asia', userId, { length: data.length, filename: 'lagging.bin', folderId: null, filetype: null });
    expect(created.body.upload.holders).toHaveLength(3);
    const uploadId = created.body.upload.id;
    expect((await patchUpload(cluster, 'asia', userId, uploadId, 0, data.subarray(0, 3 * MiB + 5))).status).toBe(200);
    // eu-west misses the next PATCH...
    await cluster.kill('eu-west');
    // On a loaded machine asia may suspect us-east, just back, for a moment: retried as a tus client does.
    const second = await patchResuming(cluster, 'asia', userId, uploadId, data, 3 * MiB + 5, 6 * MiB + 9);
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    expect(second.body.upload.offset).toBe(6 * MiB + 9);
    await cluster.start('eu-west');
    await waitFor('all alive', () => cluster.allAlive(), { timeoutMs: 60_000 });
    // ...and is one of the two W holders left when us-east goes: it must be caught up first.
    await cluster.kill('us-east');
    // A 503 here (eu-west not answering asia yet) is retried too.
    const rest = await patchResuming(cluster, 'asia', userId, uploadId, data, 6 * MiB + 9);
    expect(rest.status, JSON.stringify(rest.body)).toBe(200);
    expect(rest.body.upload.completed?.file.sha256).toBe(sha256(data));
    // Its blob is the same ciphertext as asia's, whole, made of what it was sent to catch up and what came after.
    expect(readBlob(cluster, 'eu-west', userId, uploadId)?.equals(data)).toBe(true);
    const download = await get(cluster, 'eu-west', `/v1/files/${userId}/${uploadId}`);
    expect(sha256(download.body)).toBe(sha256(data));
  }, 240_000);

  it('keeps a node only suspected at the creation as a holder, so that the upload goes on when another holder dies', async () => {
    for (const node of cluster.ids) if (!cluster.isRunning(node)) await cluster.start(node);
    await waitFor('all alive', () => cluster.allAlive(), { timeoutMs: 60_000 });
    const data = crypto.randomBytes(5 * MiB + 11);
    const pid = cluster.pid('eu-west')!;
    // Frozen, eu-west is suspected within a second or two, and held dead a few seconds later.
    process.kill(pid, 'SIGSTOP');
    let created;
    try {
      await waitFor('asia to suspect eu-west', async () => (await cluster.memberState('asia', 'eu-west'))?.state === 'suspect', { timeoutMs: 30_000, intervalMs: 50 });
      created = await createUpload(cluster, 'asia', userId, { uploadId: newId(), length: data.length, filename: 'begun under suspicion.bin', folderId: null, filetype: null });
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    // Before, its holders were asia and us-east only: with us-east killed below, it stopped.
    expect([...created.body.upload.holders].sort()).toEqual(['asia', 'eu-west', 'us-east']);
    const uploadId = created.body.upload.id;
    await waitFor('all alive', () => cluster.allAlive(), { timeoutMs: 60_000 });
    expect((await patchResuming(cluster, 'asia', userId, uploadId, data, 0, 2 * MiB)).status).toBe(200);
    await cluster.kill('us-east');
    const rest = await patchResuming(cluster, 'asia', userId, uploadId, data, 2 * MiB);
    expect(rest.status, JSON.stringify(rest.body)).toBe(200);
    expect(rest.body.upload.completed?.file.sha256).toBe(sha256(data));
    expect(readBlob(cluster, 'eu-west', userId, uploadId)?.equals(data)).toBe(true);
  }, 240_000);

  it('refuses another coordinator while a frozen one holds the upload, and lets it in once the lease lapsed', async () => {
    for (const node of cluster.ids) if (!cluster.isRunning(node)) await cluster.start(node);
    await waitFor('all alive', () => cluster.allAlive(), { timeoutMs: 60_000 });
    const data = crypto.randomBytes(6 * MiB + 3);
    const created = await createOnEveryNode(cluster, 'us-east', userId, { length: data.length, filename: 'frozen.bin', folderId: null, filetype: null, sha256: sha256(data) });
    expect(created.body.upload.holders).toHaveLength(3);
    const uploadId = created.body.upload.id;
    const pid = cluster.pid('us-east')!;
    let frozenAt = 0;
    // Not awaited: the PATCH hangs with its coordinator, frozen mid-body (SIGSTOP, not dead).
    void patchUpload(cluster, 'us-east', userId, uploadId, 0, data, {
      pieceBytes: 128 * 1024,
      pauseMs: 20,
      onSent: (sent) => {
        if (sent >= MiB && !frozenAt) {
          process.kill(pid, 'SIGSTOP');
          frozenAt = Date.now();
        }
      },
    });
    try {
      await waitFor('us-east frozen', () => frozenAt > 0);
      // Once SWIM no longer holds it alive (a couple of seconds), asia does not wait for it...
      await waitFor('asia to suspect us-east', async () => (await cluster.memberState('asia', 'us-east'))?.state !== 'alive', { timeoutMs: 30_000 });
      // ...but the holders are still locked to it: its lease lasts 10 s of silence.
      const early = await patchUpload(cluster, 'asia', userId, uploadId, 0, data.subarray(0, 10));
      if (Date.now() - frozenAt < 8_000) expect(early.status).toBe(423);
      const done = await waitFor('asia to take the upload over', async () => {
        const state = await getUpload(cluster, 'asia', userId, uploadId);
        if (state.status !== 200) return false;
        const answer = await patchUpload(cluster, 'asia', userId, uploadId, state.body.upload.offset, data.subarray(state.body.upload.offset));
        return answer.status === 200 ? answer : false;
      }, { timeoutMs: 120_000, intervalMs: 500 });
      // Locked out for the lease, not for minutes.
      expect(Date.now() - frozenAt).toBeLessThan(60_000);
      expect(done.body.upload.completed?.file.sha256).toBe(sha256(data));
      expect(sha256((await get(cluster, 'eu-west', `/v1/files/${userId}/${uploadId}`)).body)).toBe(sha256(data));
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  }, 240_000);
});

describe('expiry of abandoned resumable uploads (3 real node processes, 10 s expiry)', () => {
  let cluster: NodeCluster;
  const userId = newId();
  const QUOTA = 16 * MiB;

  beforeAll(async () => {
    cluster = await NodeCluster.create({ profile: 'lan', env: { GEOVAULT_UPLOAD_EXPIRY_MS: '10000', GEOVAULT_QUOTA_BYTES: String(QUOTA), GEOVAULT_REPAIR_INTERVAL_MS: '600000' } });
    await cluster.startAll();
    await waitFor('all alive', () => cluster.allAlive(), { timeoutMs: 60_000 });
  }, 120_000);
  afterAll(async () => {
    await cluster?.close();
  });

  it('removes an abandoned upload from every holder and frees its reservation', async () => {
    const abandoned = newId();
    expect((await createUpload(cluster, 'us-east', userId, { uploadId: abandoned, length: 12 * MiB, filename: 'abandoned.bin', folderId: null, filetype: null })).status).toBe(201);
    expect((await patchUpload(cluster, 'us-east', userId, abandoned, 0, crypto.randomBytes(3 * MiB + 99))).status).toBe(200);
    expect(partialsOf(cluster, userId)).toHaveLength(3);
    // The declared length is reserved while the upload lives: a second one does not fit.
    const refused = await createUpload(cluster, 'asia', userId, { uploadId: newId(), length: 12 * MiB, filename: 'next.bin', folderId: null, filetype: null });
    expect(refused.status).toBe(413);

    await waitFor('the abandoned upload gone from every node', () => partialsOf(cluster, userId).length === 0, { timeoutMs: 60_000 });
    for (const node of cluster.ids) expect((await getUpload(cluster, node, userId, abandoned)).status).toBe(404);
    const uploadsDirs = cluster.ids.map((node) => path.join(cluster.dataDir, `node-${node}`, userId, 'uploads'));
    for (const dir of uploadsDirs) expect(fs.existsSync(dir) ? fs.readdirSync(dir) : []).toEqual([]);
    // Its space is free again.
    const next = await waitFor('the space to be free', async () => {
      const answer = await createUpload(cluster, 'asia', userId, { uploadId: newId(), length: 12 * MiB, filename: 'next.bin', folderId: null, filetype: null });
      return answer.status === 201 ? answer : false;
    }, { timeoutMs: 10_000, intervalMs: 200 });
    expect(next.body.upload.offset).toBe(0);
  }, 120_000);
});
