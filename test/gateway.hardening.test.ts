import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayStack } from './support/gatewayStack';
import { signUpAndLogIn, type ApiUser } from './support/gatewayUser';
import { tempFiles } from './support/nodeFiles';
import { waitFor } from './support/waitFor';

const ADMIN = 'ops.admin@example.org';

/** A raw upload that sends its headers and a first KiB, then holds the connection open. */
function stalledUpload(baseUrl: string, user: ApiUser): { response: Promise<number>; abort(): void } {
  const url = new URL(`${baseUrl}/api/files/upload`);
  let req!: http.ClientRequest;
  const response = new Promise<number>((resolve) => {
    req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: url.pathname,
        agent: false,
        headers: { authorization: `Bearer ${user.token}`, 'x-file-name': 'slow.bin', 'content-type': 'application/octet-stream', 'content-length': 10 * 1024 * 1024 },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode!);
      },
    );
    req.on('error', () => resolve(0));
    req.write(Buffer.alloc(1024));
  });
  return { response, abort: () => req.destroy() };
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

describe('one user cannot hurt the others (3 node processes, gateway, SMTP sink)', () => {
  let stack: GatewayStack;
  let admin: ApiUser;
  let alice: ApiUser;
  let bob: ApiUser;
  let carol: ApiUser;

  beforeAll(async () => {
    stack = await GatewayStack.start({
      profile: 'lan',
      env: {
        GEOVAULT_ADMIN_EMAILS: `someone.else@example.org, ${ADMIN.toUpperCase()}`,
        GATEWAY_UPLOADS_PER_USER: '3',
        GATEWAY_NODE_STREAM_SOCKETS: '4',
        GATEWAY_NODE_TIMEOUT_MS: '1500',
      },
    });
    admin = await signUpAndLogIn(stack.url, { email: ADMIN, region: 'us-east' });
    alice = await signUpAndLogIn(stack.url, { region: 'eu-west' });
    bob = await signUpAndLogIn(stack.url, { region: 'eu-west' });
    carol = await signUpAndLogIn(stack.url, { region: 'eu-west' });
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  });

  describe('fault injection', () => {
    it('is refused to a user who is not an admin, and the page is told so', async () => {
      expect(await (await alice.call('GET', '/api/nodes/access')).json()).toMatchObject({ canInjectFaults: false });
      const refused = await alice.call('POST', '/api/nodes/asia/faults', { json: { paused: true } });
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('forbidden');
      expect((await stack.cluster.status('asia')).faults.paused).toBe(false);
    });

    it('works for an admin, and the node heals itself when the time is up', async () => {
      expect(await (await admin.call('GET', '/api/nodes/access')).json()).toMatchObject({ canInjectFaults: true, defaultFaultSeconds: 300 });
      const injected = await admin.call('POST', '/api/nodes/asia/faults', { json: { lossPercent: 30, durationSeconds: 2 } });
      expect(injected.status).toBe(200);
      const { faults } = (await injected.json()) as { faults: { lossPercent: number; expiresAt: number } };
      expect(faults.lossPercent).toBe(30);
      expect(faults.expiresAt).toBeGreaterThan(Date.now());
      await waitFor('asia to heal by itself', async () => (await stack.cluster.status('asia')).faults.lossPercent === null, { timeoutMs: 10_000 });
      expect((await stack.cluster.status('asia')).faults).toEqual({ partitionedFrom: [], lossPercent: null, paused: false, expiresAt: null });
      expect(stack.cluster.logs('asia')).toMatch(/injected faults reached their time limit/);
    });

    it('validates the body (a time limit beyond an hour is refused)', async () => {
      const res = await admin.call('POST', '/api/nodes/asia/faults', { json: { paused: true, durationSeconds: 7200 } });
      expect(res.status).toBe(400);
      expect((await stack.cluster.status('asia')).faults.paused).toBe(false);
    });

    it('is rate-limited per admin', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 25; i++) statuses.push((await admin.call('POST', '/api/nodes/asia/faults', { json: { clear: true } })).status);
      // Earlier tests spent a few of the 20 a minute.
      expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(20);
      expect(statuses.at(-1)).toBe(429);
      const limited = await admin.call('POST', '/api/nodes/asia/faults', { json: { paused: true } });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await stack.cluster.status('asia')).faults.paused).toBe(false);
    });
  });

  it('keeps every data file 0600 and every data directory 0700', async () => {
    const big = await alice.call('POST', '/api/files/upload', { body: Buffer.alloc(100_000, 7), headers: { 'x-file-name': 'big.bin' } });
    expect(big.status).toBe(201);
    const open: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        const mode = fs.statSync(full).mode & 0o777;
        if (entry.isDirectory()) {
          if (mode !== 0o700) open.push(`${full} ${mode.toString(8)}`);
          walk(full);
        } else if (mode !== 0o600) open.push(`${full} ${mode.toString(8)}`);
      }
    };
    walk(stack.cluster.dataDir);
    expect(open).toEqual([]);
    const names = fs.readdirSync(stack.cluster.dataDir, { recursive: true }) as string[];
    for (const expected of ['gateway/accounts.json', 'gateway/skillshare.json', 'node-eu-west/_system/index.db']) expect(names).toContain(expected);
  });

  it.each(['multipart', 'raw'] as const)('removes the temp files of a %s upload cancelled half-way from every node at once', async (kind) => {
    const boundary = 'geovault-test-boundary';
    const url = new URL(`${stack.url}/api/files/upload`);
    const headers: http.OutgoingHttpHeaders =
      kind === 'multipart'
        ? { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': 64 * 1024 * 1024 }
        : { 'content-type': 'application/octet-stream', 'x-file-name': 'cancelled.bin', 'content-length': 64 * 1024 * 1024 };
    const req = http.request({ host: url.hostname, port: url.port, method: 'POST', path: url.pathname, agent: false, headers: { authorization: `Bearer ${carol.token}`, ...headers } });
    req.on('error', () => {});
    if (kind === 'multipart') req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cancelled.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`);
    for (let i = 0; i < 16; i++) req.write(Buffer.alloc(256 * 1024, i));
    await waitFor('the upload to reach every node', () => stack.cluster.ids.every((node) => tempFiles(stack.cluster, node).length > 0), { timeoutMs: 10_000 });
    req.destroy();
    for (const node of stack.cluster.ids) {
      await waitFor(`${node} to remove the temp file`, () => tempFiles(stack.cluster, node).length === 0, { timeoutMs: 5_000 });
    }
  });

  describe('uploads and node calls', () => {
    it('caps one user’s uploads in flight, keeps control calls off the stream pool, and frees slots when uploads go away', async () => {
      const held = [stalledUpload(stack.url, alice), stalledUpload(stack.url, alice), stalledUpload(stack.url, alice)];
      let answered = 0;
      for (const upload of held) void upload.response.then(() => answered++);
      // Give the gateway time to read their headers; none of them may be answered meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(answered).toBe(0);
      const fourth = await alice.call('POST', '/api/files/upload', { body: Buffer.from('hello'), headers: { 'x-file-name': 'a.txt' } });
      expect(fourth.status).toBe(429);
      expect(((await fourth.json()) as { error: { code: string } }).error.code).toBe('too_many_uploads');

      // Bob's stalled upload takes the last of the 4 stream sockets to eu-west.
      const bobs = stalledUpload(stack.url, bob);
      await new Promise((resolve) => setTimeout(resolve, 500));
      // Carol's list, usage and the mesh status are control calls: they do not queue behind them.
      const list = await timed(() => carol.call('GET', '/api/files/list'));
      expect(list.value.status).toBe(200);
      expect(list.ms).toBeLessThan(1_500);
      const info = await carol.call('GET', '/api/user/info');
      expect(info.status).toBe(200);

      for (const upload of held) upload.abort();
      bobs.abort();
      await waitFor('alice to get her upload slots back', async () => {
        const res = await alice.call('POST', '/api/files/upload', { body: Buffer.from('hello again'), headers: { 'x-file-name': 'b.txt' } });
        return res.status === 201;
      }, { timeoutMs: 10_000 });
    });

    it('fails a call over to another node when the home node stops answering (frozen, not gone)', async () => {
      const pid = stack.cluster.pid('eu-west')!;
      process.kill(pid, 'SIGSTOP');
      try {
        const list = await timed(() => carol.call('GET', '/api/files/list'));
        expect(list.value.status).toBe(200);
        // One 1.5 s deadline on the frozen node, then the next one answers.
        expect(list.ms).toBeLessThan(6_000);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
    });
  });
});
