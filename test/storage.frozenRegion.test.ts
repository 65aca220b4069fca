import crypto from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../common/signing/requestSigning';
import { NodeCluster } from './support/nodeCluster';
import { newId, readBlob, sha256 } from './support/nodeFiles';
import { waitFor } from './support/waitFor';

const MiB = 1024 * 1024;

/**
 * One frozen region must not hold uploads up (issue 17): the fan-out runs at the pace of its
 * slowest copy, so a copy whose node stopped reading, or that SWIM no longer holds alive, is
 * dropped while W=2 copies go on, and repair finishes it once the region is back.
 */
describe('an upload while one region is frozen (SIGSTOP) (3 real node processes)', () => {
  let cluster: NodeCluster;

  beforeAll(async () => {
    cluster = await NodeCluster.create({ profile: 'lan', env: { GEOVAULT_REPAIR_INTERVAL_MS: '2000', GEOVAULT_INLINE_MAX_BYTES: '0' } });
    await cluster.startAll();
    await waitFor('all alive', () => cluster.allAlive());
  });
  afterAll(async () => {
    const asia = cluster?.pid('asia');
    if (asia) process.kill(asia, 'SIGCONT');
    await cluster?.close();
  });

  /** A 50 MiB upload to us-east sent in 1 MiB writes; `afterFirst10MiB` runs once 10 MiB are in. Resolves with the status and the wait from the last byte to the answer. */
  async function upload(userId: string, fileId: string, data: Buffer, afterFirst10MiB: () => void = () => {}): Promise<{ status: number; waitMs: number }> {
    const pathname = `/v1/files/${userId}/${fileId}`;
    const req = http.request({
      host: '127.0.0.1',
      port: cluster.port('us-east'),
      method: 'PUT',
      path: pathname,
      headers: { ...signRequest(cluster.secret, 'gateway', 'PUT', pathname, { streamed: true }), 'content-type': 'application/octet-stream', 'content-length': data.length },
    });
    const answer = new Promise<{ status: number; at: number }>((resolve, reject) => {
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, at: performance.now() }));
      });
      req.on('error', reject);
    });
    answer.catch(() => undefined);
    for (let offset = 0; offset < data.length; offset += MiB) {
      // once() rejects on the request's error and removes its listeners (one per write piled up).
      if (!req.write(data.subarray(offset, offset + MiB))) await once(req, 'drain');
      if (offset + MiB === 10 * MiB) afterFirst10MiB();
    }
    const lastByteAt = performance.now();
    req.end();
    const { status, at } = await answer;
    return { status, waitMs: at - lastByteAt };
  }

  it('a 50 MiB upload answers 201 within 5 s of its last byte (beyond what the disk takes in the same run), and the frozen region gets its copy after SIGCONT', async () => {
    const userId = newId();
    // The disk's own time for such an upload, in this run: this machine's disk swings tenfold.
    const baseline = await upload(userId, newId(), crypto.randomBytes(50 * MiB));
    expect(baseline.status).toBe(201);

    const fileId = newId();
    const data = crypto.randomBytes(50 * MiB);
    const frozen = await upload(userId, fileId, data, () => process.kill(cluster.pid('asia')!, 'SIGSTOP'));
    expect(frozen.status).toBe(201);
    expect(frozen.waitMs).toBeLessThan(baseline.waitMs + 5_000);
    expect(cluster.logs('us-east')).toMatch(/dropped a copy that could not keep up/);

    process.kill(cluster.pid('asia')!, 'SIGCONT');
    await waitFor('asia to hold a whole copy again', () => {
      const blob = readBlob(cluster, 'asia', userId, fileId);
      return blob !== undefined && sha256(blob) === sha256(data);
    }, { timeoutMs: 60_000, intervalMs: 500 });
  }, 180_000);
});
