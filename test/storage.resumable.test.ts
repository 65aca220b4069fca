import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../common/signing/requestSigning';
import { FRAME, jsonFrame } from '../node/src/uploads/partialFrames';
import { NodeCluster } from './support/nodeCluster';
import { allFiles, blobFile, get, listFiles, newId, readBlob, readIfStill, sha256 } from './support/nodeFiles';
import { completeUpload, createUpload, deleteUpload, getUpload, patchUpload } from './support/resumableUploads';
import { waitFor } from './support/waitFor';

/** A seeded generator: the same "random" cut points on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const QUOTA = 256 * 1024 * 1024;
const MiB = 1024 * 1024;

function partialFiles(cluster: NodeCluster, userId: string): string[] {
  return cluster.ids.flatMap((node) => {
    const dir = path.join(cluster.dataDir, `node-${node}`, userId, 'uploads');
    return fs.existsSync(dir) ? fs.readdirSync(dir).map((name) => path.join(dir, name)) : [];
  });
}

/** Another node of the cluster: who signs a peers-only call to `node`. */
const peerOf = (cluster: NodeCluster, node: string) => cluster.ids.find((id) => id !== node)!;

/** A POST with a body, signed by a peer of `node`: the holders' side of resumable uploads. */
function postAs(cluster: NodeCluster, node: string, pathname: string, body: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: cluster.port(node),
        method: 'POST',
        path: pathname,
        agent: false,
        headers: { 'content-type': 'application/octet-stream', ...signRequest(cluster.secret, peerOf(cluster, node), 'POST', pathname, { streamed: true }) },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('resumable uploads on the nodes (3 real node processes)', () => {
  let cluster: NodeCluster;
  const userId = newId();

  beforeAll(async () => {
    cluster = await NodeCluster.create({ profile: 'lan', env: { GEOVAULT_REPAIR_INTERVAL_MS: '600000', GEOVAULT_QUOTA_BYTES: String(QUOTA) } });
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
      if (answer.status === 423) {
        // The PATCH that was cut is still being committed: a tus client retries, as this does.
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      if (answer.status === 0) {
        // The node refused at once (423) and closed the connection while this client was still
        // sending, so the client saw the reset rather than the answer (seen under load): a tus
        // client asks for the offset and goes on from it, as this does.
        await new Promise((r) => setTimeout(r, 500));
        offset = (await getUpload(cluster, 'eu-west', userId, uploadId)).body.upload.offset;
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

  it('finishes an upload on its coordinator too: repair never copies the file back to it', async () => {
    // The coordinator's own copy is never dropped as too slow, so it always has the whole file
    // at the end; only a finish that did not wait for it left it out (in bench:resumable, for
    // half the 1 GiB uploads), and repair then copied the whole file back from a peer.
    const pulledByCoordinator = async () => (await cluster.status('us-east')).storage.repair.pulled;
    // Counted from when the earlier tests' files have all their copies (repair may bring one).
    await waitFor('earlier files whole everywhere', async () => (await listFiles(cluster, 'us-east', userId)).files.every((f) => Object.values(f.replicas).filter((state) => state === 'stored').length === 3), { timeoutMs: 60_000 });
    const pulledBefore = await pulledByCoordinator();
    for (let upload = 0; upload < 6; upload++) {
      const data = crypto.randomBytes(16 * MiB + upload);
      const uploadId = newId();
      expect((await createUpload(cluster, 'us-east', userId, { uploadId, length: data.length, filename: `whole-${upload}.bin`, folderId: null, filetype: null })).status).toBe(201);
      let answer;
      for (let offset = 0; offset < data.length; offset = answer.body.upload.offset) {
        answer = await patchUpload(cluster, 'us-east', userId, uploadId, offset, data.subarray(offset, offset + 8 * MiB));
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      }
      expect(answer!.body.upload.completed?.file.sha256).toBe(sha256(data));
      await waitFor('every copy recorded', async () => {
        const file = (await listFiles(cluster, 'us-east', userId)).files.find((f) => f.fileId === uploadId);
        return Object.values(file?.replicas ?? {}).filter((state) => state === 'stored').length === 3;
      }, { timeoutMs: 30_000 });
      for (const node of cluster.ids) expect(readBlob(cluster, node, userId, uploadId)?.equals(data), node).toBe(true);
    }
    expect(await pulledByCoordinator()).toBe(pulledBefore);
  }, 300_000);

  it('keeps no plaintext in any partial, tail or record while in progress, and DELETE removes it from every holder at once', async () => {
    const mark = Buffer.from(`GV-RESUMABLE-${crypto.randomBytes(8).toString('hex')}`);
    // Two whole segments and part of a third: the partial holds segments, the rest is a tail.
    const data = Buffer.alloc(3 * MiB + 12_345, mark);
    const uploadId = newId();
    expect((await createUpload(cluster, 'eu-west', userId, { uploadId, length: data.length, filename: 'secret.txt', folderId: null, filetype: 'text/plain' })).status).toBe(201);
    const first = await patchUpload(cluster, 'eu-west', userId, uploadId, 0, data.subarray(0, 2 * MiB + 777));
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.upload.offset).toBe(2 * MiB + 777);
    const partials = partialFiles(cluster, userId).filter((file) => file.includes(uploadId));
    expect(partials).toHaveLength(3);
    // Acknowledged once W = 2 holders have it; the third may still be writing on a loaded machine.
    expect(partials.filter((file) => fs.statSync(file).size > 2 * MiB).length).toBeGreaterThanOrEqual(2);
    const found = allFiles(cluster.dataDir).filter((file) => readIfStill(file).indexOf(mark) >= 0);
    expect(found).toEqual([]);

    expect(await deleteUpload(cluster, 'asia', userId, uploadId)).toBe(204);
    // At once: the answer came after every reachable holder removed it.
    expect(partialFiles(cluster, userId).filter((file) => file.includes(uploadId))).toEqual([]);
    for (const node of cluster.ids) expect((await getUpload(cluster, node, userId, uploadId)).status).toBe(404);
    // A short body: a node refusing at once does not read a long one, and under load the client may then see the reset before the answer.
    expect((await patchUpload(cluster, 'us-east', userId, uploadId, first.body.upload.offset, data.subarray(first.body.upload.offset, first.body.upload.offset + 1000))).status).toBe(404);
  }, 120_000);

  it('answers the protocol errors: wrong offset, too many bytes, a bad chunk checksum, another user, quota at creation', async () => {
    const data = crypto.randomBytes(2 * MiB + 5);
    const uploadId = newId();
    expect((await createUpload(cluster, 'us-east', userId, { uploadId, length: data.length, filename: 'errors.bin', folderId: null, filetype: null })).status).toBe(201);
    expect((await patchUpload(cluster, 'us-east', userId, uploadId, 0, data.subarray(0, MiB))).body.upload.offset).toBe(MiB);

    const wrong = await patchUpload(cluster, 'asia', userId, uploadId, 10, data.subarray(10, 20));
    expect(wrong.status).toBe(409);
    expect(wrong.body.error).toMatchObject({ code: 'offset_mismatch', offset: MiB });

    // Refusals before the body is read get short bodies, as above: a node refusing at once does
    // not read a long one, and the client may then see the reset before the answer. Here the
    // declared length says too many.
    const tooMany = await patchUpload(cluster, 'asia', userId, uploadId, MiB, data.subarray(MiB, MiB + 1000), { contentLength: data.length - MiB + 10 });
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.error.code).toBe('payload_too_large');

    const badSum = await patchUpload(cluster, 'eu-west', userId, uploadId, MiB, data.subarray(MiB, MiB + 1000), { chunkSha256: sha256(Buffer.from('something else')) });
    expect(badSum.status).toBe(460);
    expect(badSum.body.error.code).toBe('checksum_mismatch');
    expect((await getUpload(cluster, 'us-east', userId, uploadId)).body.upload.offset).toBe(MiB);
    const goodSum = await patchUpload(cluster, 'eu-west', userId, uploadId, MiB, data.subarray(MiB, MiB + 1000), { chunkSha256: sha256(data.subarray(MiB, MiB + 1000)) });
    expect(goodSum.status).toBe(200);
    expect(goodSum.body.upload.offset).toBe(MiB + 1000);

    const stranger = newId();
    expect((await getUpload(cluster, 'us-east', stranger, uploadId)).status).toBe(404);
    expect((await patchUpload(cluster, 'us-east', stranger, uploadId, MiB + 1000, data.subarray(MiB + 1000, MiB + 2000))).status).toBe(404);
    expect(await deleteUpload(cluster, 'us-east', stranger, uploadId)).toBe(404);
    expect((await createUpload(cluster, 'us-east', stranger, { uploadId, length: 5, filename: 'mine.bin', folderId: null, filetype: null })).status).toBe(409);
    expect((await getUpload(cluster, 'us-east', userId, uploadId)).status).toBe(200);

    const over = await createUpload(cluster, 'asia', userId, { uploadId: newId(), length: QUOTA, filename: 'too-big.bin', folderId: null, filetype: null });
    expect(over.status).toBe(413);
    expect(over.body.error.code).toBe('quota_exceeded');

    const last = await patchUpload(cluster, 'us-east', userId, uploadId, MiB + 1000, data.subarray(MiB + 1000));
    expect(last.status).toBe(200);
    expect(last.body.upload.completed?.file).toMatchObject({ sha256: sha256(data), mime: 'application/octet-stream' });
  }, 120_000);

  it('refuses a second writer with 423 while a PATCH is being written, through the same node or another', async () => {
    const data = crypto.randomBytes(4 * MiB);
    const uploadId = newId();
    expect((await createUpload(cluster, 'us-east', userId, { uploadId, length: data.length, filename: 'busy.bin', folderId: null, filetype: null })).status).toBe(201);
    let release!: () => void;
    const started = new Promise<void>((resolve) => (release = resolve));
    const slow = patchUpload(cluster, 'us-east', userId, uploadId, 0, data, { pieceBytes: 64 * 1024, pauseMs: 40, onSent: (sent) => (sent >= 256 * 1024 ? release() : undefined) });
    await started;
    await new Promise((r) => setTimeout(r, 300));
    const sameNode = await patchUpload(cluster, 'us-east', userId, uploadId, 0, data.subarray(0, 10));
    expect(sameNode.status).toBe(423);
    expect(sameNode.body.error.code).toBe('upload_busy');
    const otherNode = await patchUpload(cluster, 'asia', userId, uploadId, 0, data.subarray(0, 10));
    expect(otherNode.status).toBe(423);
    expect(otherNode.body.error.code).toBe('upload_busy');
    const done = await slow;
    expect(done.status).toBe(200);
    expect(done.body.upload.completed?.file.sha256).toBe(sha256(data));
  }, 120_000);

  it('lets another node carry an upload on at once after a PATCH, although its coordinator keeps the next appends open on the holders', async () => {
    const data = crypto.randomBytes(16 * MiB);
    const uploadId = newId();
    expect((await createUpload(cluster, 'us-east', userId, { uploadId, length: data.length, filename: 'standby.bin', folderId: null, filetype: null, sha256: sha256(data) })).status).toBe(201);
    /** A holder's own record: a peer's call. */
    const heldBy = async (node: string) => {
      const partial = `/v1/partials/${userId}/${uploadId}`;
      const held = await get(cluster, node, partial, signRequest(cluster.secret, peerOf(cluster, node), 'GET', partial));
      expect(held.status, node).toBe(200);
      return (JSON.parse(held.body.toString()) as { partial: { offset: number; state: string } }).partial;
    };
    const patch = async (node: string, from: number) => {
      const answer = await patchUpload(cluster, node, userId, uploadId, from, data.subarray(from, from + 4 * MiB));
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      return answer.body.upload;
    };
    expect((await patch('us-east', 0)).offset).toBe(4 * MiB);
    // Once every holder stored it, us-east opens the next PATCH's appends on all three
    // (standbyAppends.ts) and keeps them for seconds: they must give way to asia's.
    await new Promise((r) => setTimeout(r, 300));
    expect((await patch('asia', 4 * MiB)).offset).toBe(8 * MiB);
    // Back through us-east, whose standby is gone or stale: it reads where the upload stands.
    await new Promise((r) => setTimeout(r, 300));
    expect((await patch('us-east', 8 * MiB)).offset).toBe(12 * MiB);
    // A standby no PATCH used is closed after its base alone (5 s, half a lease): it moves nothing.
    await new Promise((r) => setTimeout(r, 5_500));
    for (const node of cluster.ids) expect(await heldBy(node), node).toMatchObject({ offset: 12 * MiB, state: 'open' });
    // A standby from a state that has moved on (it could reach a holder after a PATCH that came
    // through another node) is refused, and never takes the holder back to its base.
    for (const node of cluster.ids) {
      const stale = await postAs(cluster, node, `/v1/partials/${userId}/${uploadId}/append?standby=1`, jsonFrame(FRAME.BASE, { from: 4 * MiB, tail: '' }));
      expect(stale.status, node).toBe(409);
    }
    for (const node of cluster.ids) expect((await heldBy(node)).offset, node).toBe(12 * MiB);
    expect((await patch('us-east', 12 * MiB)).completed?.file.sha256).toBe(sha256(data));
    await waitFor('every holder has the blob', () => cluster.ids.every((node) => readBlob(cluster, node, userId, uploadId)?.equals(data)), { timeoutMs: 30_000 });
  }, 120_000);

  it('fails an upload whose whole-file hash is not the declared one, and stores nothing', async () => {
    const data = crypto.randomBytes(MiB + 3);
    const uploadId = newId();
    expect((await createUpload(cluster, 'asia', userId, { uploadId, length: data.length, filename: 'liar.bin', folderId: null, filetype: null, sha256: sha256(Buffer.from('not this')) })).status).toBe(201);
    const answer = await patchUpload(cluster, 'asia', userId, uploadId, 0, data);
    expect(answer.status).toBe(422);
    expect(answer.body.error.code).toBe('integrity_mismatch');
    // The coordinator removes it from the other holders as it answers; on a loaded machine
    // one of them may still list it for a moment.
    for (const node of cluster.ids) {
      await waitFor(`${node} to forget the failed upload`, async () => (await getUpload(cluster, node, userId, uploadId)).status === 404, { timeoutMs: 10_000 });
      expect(fs.existsSync(blobFile(cluster, node, userId, uploadId))).toBe(false);
    }
    expect(partialFiles(cluster, userId).filter((file) => file.includes(uploadId))).toEqual([]);
    expect((await listFiles(cluster, 'asia', userId)).files.map((f) => f.name)).not.toContain('liar.bin');
    expect((await get(cluster, 'asia', `/v1/files/${userId}/${uploadId}`)).status).toBe(404);
  }, 120_000);

  it('commits an empty file at its creation, makes a new version of a name taken in the folder, and completes idempotently', async () => {
    const empty = newId();
    const created = await createUpload(cluster, 'us-east', userId, { uploadId: empty, length: 0, filename: 'empty.txt', folderId: null, filetype: 'text/plain' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.upload.completed?.file).toMatchObject({ size: 0, sha256: sha256(Buffer.alloc(0)) });
    expect((await get(cluster, 'asia', `/v1/files/${userId}/${empty}`)).body.length).toBe(0);

    const folder = await cluster.request('us-east', 'POST', `/v1/tree/${userId}/folders`, { parentId: 'root', name: 'docs' });
    const folderId = ((await folder.json()) as { item: { id: string } }).item.id;
    const v1 = crypto.randomBytes(100_000);
    const v2 = crypto.randomBytes(200_000);
    const ids = [newId(), newId()];
    for (const [i, data] of [v1, v2].entries()) {
      expect((await createUpload(cluster, 'eu-west', userId, { uploadId: ids[i]!, length: data.length, filename: 'report.pdf', folderId, filetype: 'application/pdf' })).status).toBe(201);
      const done = await patchUpload(cluster, 'eu-west', userId, ids[i]!, 0, data);
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      // The second one is a new version of the first: the item keeps the first one's id.
      expect(done.body.upload.completed?.itemId).toBe(ids[0]);
    }
    const again = await completeUpload(cluster, 'asia', userId, ids[1]!);
    expect(again.status).toBe(200);
    expect(again.body.upload.completed).toMatchObject({ itemId: ids[0], file: { fileId: ids[1], sha256: sha256(v2) } });
    const current = await get(cluster, 'asia', `/v1/files/${userId}/${ids[0]}`);
    expect(sha256(current.body)).toBe(sha256(v2));
    // A folder that does not exist is refused before anything is kept.
    const nowhere = await createUpload(cluster, 'eu-west', userId, { uploadId: newId(), length: 5, filename: 'x.bin', folderId: newId(), filetype: null });
    expect(nowhere.status).toBe(404);
  }, 120_000);
});
