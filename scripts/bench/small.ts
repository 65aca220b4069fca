import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { buildServer } from '../buildServer.mjs';
import { GatewayStack } from '../../test/support/gatewayStack';
import { freePort } from '../../test/support/ports';
import { signUpAndLogIn } from '../../test/support/gatewayUser';
import { startNginx } from './nginx';
import { percentile, round1 } from './stats';
import { arg } from './args';
import { keepAliveAgent } from '../../common/http/keepAlive';

/**
 * Small files through the gateway (DESIGN §4: group commit, usage in O(1)): 4 KiB uploads at
 * concurrency 16, against nginx taking the same bodies as WebDAV PUTs in the same run, in
 * alternating rounds (this VM's disk and CPU swing a lot from one minute to the next). Then
 * one user's upload rate for their first files against the rate once they have 10,000.
 * Targets: gateway ≥ 0.25 × nginx; rate at the 10,000th file ≥ 0.8 × the first.
 * Usage: npm run bench:small [-- --rounds 3 --per-round 1000 --files 10000 --profile lan]
 */
const rounds = Number(arg('rounds', '3'));
const perRound = Number(arg('per-round', '1000'));
const files = Number(arg('files', '10000'));
const profile = arg('profile', 'lan') as 'wan' | 'lan';
const CONCURRENCY = 16;
const SIZE = 4096;
const progress = (message: string) => process.stderr.write(`[bench:small] ${message}\n`);

const agent = keepAliveAgent(CONCURRENCY);

function send(url: URL, method: string, headers: http.OutgoingHttpHeaders, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers: { ...headers, 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** `count` requests at concurrency 16; the rate and per-request latencies. */
async function burst(count: number, request: (i: number) => Promise<number>, expected: number): Promise<{ perSecond: number; latencies: number[] }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const i = next++;
        const t = performance.now();
        const status = await request(i);
        if (status !== expected) throw new Error(`request ${i} answered ${status}, expected ${expected}`);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { perSecond: count / ((performance.now() - started) / 1000), latencies };
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gv-smallbench-'));
await buildServer();
const stack = await GatewayStack.start({ profile, env: { GEOVAULT_LOG_LEVEL: 'warn', GATEWAY_UPLOADS_PER_USER: String(CONCURRENCY) } });
let nginx: { stop(): Promise<void> } | undefined;
try {
  const nginxPort = await freePort();
  nginx = await startNginx(path.join(scratch, 'www'), nginxPort, path.join(scratch, 'nginx'), { webdav: true });
  fs.mkdirSync(path.join(scratch, 'www', 'dav'), { recursive: true });
  const body = crypto.randomBytes(SIZE);
  const uploadUrl = new URL(`${stack.url}/api/files/upload`);
  const uploadAs = async () => {
    const user = await signUpAndLogIn(stack.url);
    const headers = { authorization: `Bearer ${user.token}`, 'content-type': 'application/octet-stream' };
    let n = 0;
    return () => send(uploadUrl, 'POST', { ...headers, 'x-file-name': `note-${n++}.txt` }, body);
  };
  const nginxPut = (i: number, round: number) => send(new URL(`http://127.0.0.1:${nginxPort}/dav/r${round}/${i}.bin`), 'PUT', { 'content-type': 'application/octet-stream' }, body);

  // Warm both up (connections, JIT) before anything counts.
  const warm = await uploadAs();
  await burst(200, () => warm(), 201);
  await burst(200, (i) => nginxPut(i, -1), 201);

  const pairs: Array<{ nginx: number; gateway: number; ratio: number }> = [];
  const gatewayLatencies: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const viaNginx = await burst(perRound, (i) => nginxPut(i, round), 201);
    const upload = await uploadAs();
    const viaGateway = await burst(perRound, () => upload(), 201);
    gatewayLatencies.push(...viaGateway.latencies);
    pairs.push({ nginx: round1(viaNginx.perSecond), gateway: round1(viaGateway.perSecond), ratio: Math.round((viaGateway.perSecond / viaNginx.perSecond) * 1000) / 1000 });
    progress(`round ${round + 1}/${rounds}: gateway ${round1(viaGateway.perSecond)}/s, nginx ${round1(viaNginx.perSecond)}/s`);
  }
  const ratios = pairs.map((pair) => pair.ratio).sort((a, b) => a - b);
  const medianRatio = percentile(ratios, 50);

  // One user's rate as their file count grows: first files against the last of `files`.
  const grower = await uploadAs();
  const WINDOW = Math.min(500, Math.floor(files / 4));
  const first = await burst(WINDOW, () => grower(), 201);
  let done = WINDOW;
  while (done < files - WINDOW) {
    const step = Math.min(2_000, files - WINDOW - done);
    await burst(step, () => grower(), 201);
    done += step;
    progress(`one user: ${done} files`);
  }
  const last = await burst(WINDOW, () => grower(), 201);
  const growth = last.perSecond / first.perSecond;

  gatewayLatencies.sort((a, b) => a - b);
  process.stdout.write(
    `${JSON.stringify({
      bench: 'small',
      profile,
      sizeBytes: SIZE,
      concurrency: CONCURRENCY,
      rounds: pairs,
      medianRatio,
      gatewayLatencyMs: { p50: round1(percentile(gatewayLatencies, 50)), p99: round1(percentile(gatewayLatencies, 99)) },
      oneUser: { files, firstPerSecond: round1(first.perSecond), lastPerSecond: round1(last.perSecond), ratio: Math.round(growth * 100) / 100 },
      targets: { ratio: 0.25, growth: 0.8 },
      meetsTargets: medianRatio >= 0.25 && growth >= 0.8,
    })}\n`,
  );
} finally {
  agent.destroy();
  await nginx?.stop();
  await stack.close();
  fs.rmSync(scratch, { recursive: true, force: true });
}
