import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { buildServer } from '../buildServer.mjs';
import { GatewayStack } from '../../test/support/gatewayStack';
import { freePort } from '../../test/support/ports';
import { signUpAndLogIn } from '../../test/support/gatewayUser';
import { startNginx } from './nginx';
import { round1 } from './nodeEvents';
import { CHUNK, payload, tripleWriteMBps } from './payload';
import { cpuSeconds, peakRssMb } from './procStats';

/**
 * A large file through the gateway, both ways, against baselines measured in the same run:
 * upload vs the disk's triple-write limit; download vs nginx serving the same bytes on
 * loopback. Targets: upload ≥ 0.7 × disk, download ≥ 0.6 × nginx, gateway RSS < 150 MB.
 * Usage: npm run bench:gateway [-- --mib 1024 --profile lan]
 */
function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}
const mib = Number(arg('mib', '1024'));
const profile = arg('profile', 'lan') as 'lan' | 'wan';
const bytes = mib * CHUNK;
const seed = crypto.randomBytes(CHUNK);

/** Reads a URL to the end, discarding the bytes; returns MB/s and the byte count. */
function drain(url: string, headers: Record<string, string> = {}): Promise<{ mbps: number; bytes: number; status: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        let received = 0;
        res.on('data', (chunk: Buffer) => (received += chunk.length));
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`${url} answered ${res.statusCode}`));
          else resolve({ mbps: received / 1e6 / ((performance.now() - started) / 1000), bytes: received, status: res.statusCode });
        });
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gv-gwbench-'));
await buildServer();
const stack = await GatewayStack.start({ profile, env: { GEOVAULT_LOG_LEVEL: 'warn', GEOVAULT_QUOTA_BYTES: String(64 * 1024 ** 3) } });
let nginx: { stop(): Promise<void> } | undefined;
try {
  const diskMBps = await tripleWriteMBps(scratch, mib, seed);
  const user = await signUpAndLogIn(stack.url);

  const pids = { gateway: stack.gatewayPid(), ...Object.fromEntries(stack.cluster.ids.map((id) => [id, stack.cluster.pid(id)])) };
  const cpuBefore = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid) ?? 0]));
  const uploadStarted = performance.now();
  const fileId = await new Promise<string>((resolve, reject) => {
    const req = http.request(
      `${stack.url}/api/files/upload`,
      { method: 'POST', headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/octet-stream', 'content-length': bytes, 'x-file-name': 'big.bin' } },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => (res.statusCode === 201 ? resolve(JSON.parse(body).file.id) : reject(new Error(`upload answered ${res.statusCode}: ${body}`))));
      },
    );
    req.on('error', reject);
    void pipeline(payload(mib, seed), req).catch(reject);
  });
  const uploadMBps = bytes / 1e6 / ((performance.now() - uploadStarted) / 1000);
  const uploadCpuSeconds = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, round1((cpuSeconds(pid) ?? 0) - cpuBefore[name]!)]));

  const download = await drain(`${stack.url}/api/files/download/${fileId}`, { authorization: `Bearer ${user.token}` });
  if (download.bytes !== bytes) throw new Error(`download returned ${download.bytes} of ${bytes} bytes (status ${download.status})`);

  await pipeline(payload(mib, seed), fs.createWriteStream(path.join(scratch, 'big.bin')));
  const nginxPort = await freePort();
  nginx = await startNginx(scratch, nginxPort, path.join(scratch, 'nginx'));
  const baseline = await drain(`http://127.0.0.1:${nginxPort}/big.bin`);

  const gatewayRss = peakRssMb(stack.gatewayPid());
  process.stdout.write(
    JSON.stringify({
      bench: 'gateway',
      profile,
      sizeMiB: mib,
      upload: { MBps: round1(uploadMBps), diskTripleWriteMBps: round1(diskMBps), ratio: Math.round((uploadMBps / diskMBps) * 100) / 100, cpuSeconds: uploadCpuSeconds },
      download: { MBps: round1(download.mbps), nginxMBps: round1(baseline.mbps), ratio: Math.round((download.mbps / baseline.mbps) * 100) / 100 },
      peakRssMb: { gateway: gatewayRss, ...Object.fromEntries(stack.cluster.ids.map((id) => [id, peakRssMb(stack.cluster.pid(id))])) },
      targets: { uploadRatio: 0.7, downloadRatio: 0.6, gatewayRssMb: 150 },
      meetsTargets: uploadMBps / diskMBps >= 0.7 && download.mbps / baseline.mbps >= 0.6 && (gatewayRss ?? Infinity) < 150,
    }) + '\n',
  );
} finally {
  await nginx?.stop();
  await stack.close();
  fs.rmSync(scratch, { recursive: true, force: true });
}
