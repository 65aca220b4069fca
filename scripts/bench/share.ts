import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FolderListResponse, UploadResponse } from '../../gateway/src/api/files';
import type { ShareResponse } from '../../gateway/src/api/shares';
import { buildServer } from '../buildServer.mjs';
import { GatewayStack } from '../../test/support/gatewayStack';
import { freePort } from '../../test/support/ports';
import { signUpAndLogIn } from '../../test/support/gatewayUser';
import { waitFor } from '../../test/support/waitFor';
import { arg } from './args';
import { startNginx } from './nginx';
import { median, round1 } from './stats';
import { cpuSeconds, peakRssMb } from './procStats';

/**
 * Many visitors downloading one file through a share link at once, against nginx serving the
 * same bytes on loopback, measured back to back in each round. Target: ≥ 0.6 × nginx.
 * A round is `concurrency` downloads started together; the rate is all their bytes over the
 * time from the first request to the last byte. The downloads run in a plain `node` process of
 * their own (CLIENT below), the same for both sides, so that the harness's heap (tsx, esbuild)
 * does not weigh on what is measured. Figures are medians over rounds.
 * Usage: npm run bench:share [-- --mib 10 --concurrency 100 --rounds 5 --profile lan]
 */
const mib = Number(arg('mib', '10'));
const concurrency = Number(arg('concurrency', '100'));
const rounds = Number(arg('rounds', '5'));
const profile = arg('profile', 'lan') as 'lan' | 'wan';
const bytes = mib * 1024 * 1024;

/**
 * `node --input-type=module -e CLIENT <url> <expectedBytes> <concurrency>`: starts the downloads
 * together on one keep-alive agent with a socket each, reads and drops the bodies, and prints
 * { MBps, seconds, failures, p50Ms, p95Ms } (MB = 10^6 bytes). A download that answers
 * anything but 200 with exactly the expected bytes is a failure.
 */
const CLIENT = `
import http from 'node:http';
const [url, expected, count] = process.argv.slice(1);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(count) });
const one = () => new Promise((resolve) => {
  const started = performance.now();
  http.get(url, { agent }, (res) => {
    let got = 0;
    res.on('data', (chunk) => (got += chunk.length));
    res.on('end', () => resolve({ ok: res.statusCode === 200 && got === Number(expected), ms: performance.now() - started, got }));
    res.on('error', () => resolve({ ok: false, ms: performance.now() - started, got }));
  }).on('error', () => resolve({ ok: false, ms: performance.now() - started, got: 0 }));
});
const startedAt = performance.now();
const results = await Promise.all(Array.from({ length: Number(count) }, one));
const seconds = (performance.now() - startedAt) / 1000;
const got = results.reduce((sum, r) => sum + r.got, 0);
const times = results.map((r) => r.ms).sort((a, b) => a - b);
const at = (p) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))];
agent.destroy();
process.stdout.write(JSON.stringify({ MBps: got / 1e6 / seconds, seconds, failures: results.filter((r) => !r.ok).length, p50Ms: at(50), p95Ms: at(95) }));
`;

interface RoundResult {
  MBps: number;
  seconds: number;
  failures: number;
  p50Ms: number;
  p95Ms: number;
}

function concurrentDownloads(url: string): Promise<RoundResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CLIENT, url, String(bytes), String(concurrency)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as RoundResult) : reject(new Error(`download client failed (${code}): ${err.trim()}`))));
  });
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gv-sharebench-'));
await buildServer();
const stack = await GatewayStack.start({
  profile,
  env: {
    GEOVAULT_LOG_LEVEL: 'warn',
    GEOVAULT_QUOTA_BYTES: String(64 * 1024 ** 3),
    // One address asks for every download here; the per-address ceiling is for strangers.
    GATEWAY_SHARE_REQUESTS_PER_MINUTE: '1000000',
  },
});
let nginx: { stop(): Promise<void> } | undefined;
try {
  const user = await signUpAndLogIn(stack.url);
  const data = crypto.randomBytes(bytes);
  fs.writeFileSync(path.join(scratch, 'big.bin'), data);
  const uploaded = await user.call('POST', '/api/files/upload', { body: data, headers: { 'content-type': 'application/octet-stream', 'x-file-name': 'big.bin' } });
  if (uploaded.status !== 201) throw new Error(`upload answered ${uploaded.status}: ${await uploaded.text()}`);
  const { file } = (await uploaded.json()) as UploadResponse;
  // Every replica on disk first: a third copy still being written would weigh on the first round.
  await waitFor('all replicas stored', async () => {
    const { items } = (await (await user.call('GET', '/api/files/list?folder=root')).json()) as FolderListResponse;
    const replicas = Object.values(items.find((i) => i.id === file.id)?.replicas ?? {});
    return replicas.length === 3 && replicas.every((state) => state === 'stored');
  }, { timeoutMs: 120_000, intervalMs: 250 });
  const created = await user.call('POST', '/api/shares', { json: { itemId: file.id } });
  if (created.status !== 201) throw new Error(`share answered ${created.status}: ${await created.text()}`);
  const { share } = (await created.json()) as ShareResponse;
  const shareUrl = `${share.url.replace('/s/', '/api/public/shares/')}/download`;

  const nginxPort = await freePort();
  nginx = await startNginx(scratch, nginxPort, path.join(scratch, 'nginx'));
  const nginxUrl = `http://127.0.0.1:${nginxPort}/big.bin`;
  // A warm-up of each, unmeasured: page cache, JIT, the nodes' first blob streams.
  await concurrentDownloads(nginxUrl);
  await concurrentDownloads(shareUrl);

  const samples: Array<{ share: RoundResult; nginx: RoundResult; gatewayCpuSeconds: number }> = [];
  for (let round = 0; round < rounds; round++) {
    const baseline = await concurrentDownloads(nginxUrl);
    const cpuBefore = cpuSeconds(stack.gatewayPid()) ?? 0;
    const shared = await concurrentDownloads(shareUrl);
    const gatewayCpuSeconds = round1((cpuSeconds(stack.gatewayPid()) ?? 0) - cpuBefore);
    if (shared.failures > 0 || baseline.failures > 0) throw new Error(`round ${round + 1}: ${shared.failures} share and ${baseline.failures} nginx downloads failed`);
    process.stderr.write(`round ${round + 1}/${rounds}: share link ${round1(shared.MBps)} MB/s, nginx ${round1(baseline.MBps)} MB/s (${concurrency} × ${mib} MiB)\n`);
    samples.push({ share: shared, nginx: baseline, gatewayCpuSeconds });
  }

  const ratio = median(samples.map((s) => s.share.MBps / s.nginx.MBps));
  const two = (n: number) => Math.round(n * 100) / 100;
  const summary = (pick: (s: (typeof samples)[number]) => RoundResult) => ({
    MBps: round1(median(samples.map((s) => pick(s).MBps))),
    p50Ms: Math.round(median(samples.map((s) => pick(s).p50Ms))),
    p95Ms: Math.round(median(samples.map((s) => pick(s).p95Ms))),
  });
  const counted = (await (await user.call('GET', '/api/shares')).json()) as { shares: Array<{ downloads: number }> };
  process.stdout.write(
    JSON.stringify({
      bench: 'share',
      profile,
      sizeMiB: mib,
      concurrency,
      rounds,
      share: { ...summary((s) => s.share), gatewayCpuSeconds: samples.at(-1)!.gatewayCpuSeconds },
      nginx: summary((s) => s.nginx),
      ratio: two(ratio),
      ratios: samples.map((s) => two(s.share.MBps / s.nginx.MBps)),
      // Every completed download is counted on the link: (rounds + warm-up) × concurrency.
      downloadsCounted: counted.shares[0]?.downloads ?? null,
      peakRssMb: { gateway: peakRssMb(stack.gatewayPid()) },
      targets: { ratio: 0.6 },
      meetsTargets: ratio >= 0.6,
    }) + '\n',
  );
} finally {
  await nginx?.stop();
  await stack.close();
  fs.rmSync(scratch, { recursive: true, force: true });
}
