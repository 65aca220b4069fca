import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { buildServer } from '../buildServer.mjs';
import { GatewayStack } from '../../test/support/gatewayStack';
import { freePort } from '../../test/support/ports';
import { signUpAndLogIn } from '../../test/support/gatewayUser';
import { startNginx } from './nginx';
import { median, round1 } from './stats';
import { payload, tripleWriteMBps } from './transfer';
import { cpuSeconds, minorFaults, peakRssMb } from './procStats';
import { arg } from './args';
import { allReplicasStored, downloadMBps, removeForGood, settleDisk, uploadThroughGateway } from './gatewayTransfers';
import { compareGatewayEncryption } from './gatewayEncryptionPair';

/**
 * A large file through the gateway, both ways, against baselines measured in the same run:
 * upload vs the disk's triple-write limit; download vs nginx serving the same bytes on
 * loopback. Targets: upload ≥ 0.7 × disk, download ≥ 0.6 × nginx, gateway RSS < 150 MB.
 *
 * This VM's disk and CPU vary by tens of percent from one minute to the next, so each round
 * measures a baseline and its counterpart back to back, from the same quiet start (dirty pages
 * flushed, the previous file's replicas all stored), and the figures are medians over rounds.
 * Every transfer runs in a client process of its own (transferClient.mjs), the same for both.
 * Usage: npm run bench:gateway [-- --mib 1024 --rounds 5 --profile lan]
 * `--encryption both [--rounds 8 --download-pairs 3]`: encryption at rest on against off instead (gatewayEncryptionPair.ts).
 */
const mib = Number(arg('mib', '1024'));
const rounds = Number(arg('rounds', '5'));
const profile = arg('profile', 'lan') as 'lan' | 'wan';
const seed = crypto.randomBytes(16).toString('hex');

await buildServer();
if (arg('encryption', 'default') === 'both') {
  process.stdout.write(JSON.stringify(await compareGatewayEncryption({ mib, rounds: Number(arg('rounds', '8')), downloadPairs: Number(arg('download-pairs', '3')), profile, seed })) + '\n');
  process.exit(0);
}
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gv-gwbench-'));
const stack = await GatewayStack.start({ profile, env: { GEOVAULT_LOG_LEVEL: 'warn', GEOVAULT_QUOTA_BYTES: String(64 * 1024 ** 3) } });
let nginx: { stop(): Promise<void> } | undefined;
try {
  const user = await signUpAndLogIn(stack.url);
  await pipeline(payload(mib, seed), fs.createWriteStream(path.join(scratch, 'big.bin')));
  const nginxPort = await freePort();
  nginx = await startNginx(scratch, nginxPort, path.join(scratch, 'nginx'));

  const pids = { gateway: stack.gatewayPid(), ...Object.fromEntries(stack.cluster.ids.map((id) => [id, stack.cluster.pid(id)])) };
  type Costs = Record<string, { cpuSeconds: number; pageFaults: number }>;
  const processCosts = (): Costs =>
    Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, { cpuSeconds: cpuSeconds(pid) ?? 0, pageFaults: minorFaults(pid) ?? 0 }]));
  const costSince = (before: Costs): Costs =>
    Object.fromEntries(
      Object.entries(processCosts()).map(([name, now]) => [name, { cpuSeconds: round1(now.cpuSeconds - before[name]!.cpuSeconds), pageFaults: now.pageFaults - before[name]!.pageFaults }]),
    );
  const samples: Array<{ diskMBps: number; uploadMBps: number; downloadMBps: number; nginxMBps: number; uploadCost: Costs; downloadCost: Costs }> = [];
  for (let round = 0; round < rounds; round++) {
    settleDisk();
    const diskMBps = await tripleWriteMBps(scratch, mib, seed);

    settleDisk();
    let costBefore = processCosts();
    const { MBps: uploadMBps, fileId } = await uploadThroughGateway(stack.url, user, mib, seed);
    const uploadCost = costSince(costBefore);

    await allReplicasStored(user, fileId);
    settleDisk();
    costBefore = processCosts();
    const download = await downloadMBps(`${stack.url}/api/files/download/${fileId}`, mib, { authorization: `Bearer ${user.token}` });
    const downloadCost = costSince(costBefore);
    const baseline = await downloadMBps(`http://127.0.0.1:${nginxPort}/big.bin`, mib);

    await removeForGood(user, fileId);
    process.stderr.write(
      `round ${round + 1}/${rounds}: upload ${round1(uploadMBps)} MB/s (disk ${round1(diskMBps)}), download ${round1(download)} MB/s (nginx ${round1(baseline)})\n`,
    );
    samples.push({ diskMBps, uploadMBps, downloadMBps: download, nginxMBps: baseline, uploadCost, downloadCost });
  }

  const uploadRatio = median(samples.map((s) => s.uploadMBps / s.diskMBps));
  const downloadRatio = median(samples.map((s) => s.downloadMBps / s.nginxMBps));
  const gatewayRss = peakRssMb(stack.gatewayPid());
  const ratio = (n: number) => Math.round(n * 100) / 100;
  process.stdout.write(
    JSON.stringify({
      bench: 'gateway',
      profile,
      sizeMiB: mib,
      rounds,
      upload: {
        MBps: round1(median(samples.map((s) => s.uploadMBps))),
        diskTripleWriteMBps: round1(median(samples.map((s) => s.diskMBps))),
        ratio: ratio(uploadRatio),
        ratios: samples.map((s) => ratio(s.uploadMBps / s.diskMBps)),
        lastRound: samples.at(-1)!.uploadCost,
      },
      download: {
        MBps: round1(median(samples.map((s) => s.downloadMBps))),
        nginxMBps: round1(median(samples.map((s) => s.nginxMBps))),
        ratio: ratio(downloadRatio),
        ratios: samples.map((s) => ratio(s.downloadMBps / s.nginxMBps)),
        lastRound: samples.at(-1)!.downloadCost,
      },
      peakRssMb: { gateway: gatewayRss, ...Object.fromEntries(stack.cluster.ids.map((id) => [id, peakRssMb(stack.cluster.pid(id))])) },
      targets: { uploadRatio: 0.7, downloadRatio: 0.6, gatewayRssMb: 150 },
      meetsTargets: uploadRatio >= 0.7 && downloadRatio >= 0.6 && (gatewayRss ?? Infinity) < 150,
    }) + '\n',
  );
} finally {
  await nginx?.stop();
  await stack.close();
  fs.rmSync(scratch, { recursive: true, force: true });
}
