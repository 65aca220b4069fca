import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { signRequest } from '../../common/signing/requestSigning';
import { buildServer } from '../buildServer.mjs';
import { NodeCluster } from '../../test/support/nodeCluster';
import { uploadTo } from '../../test/support/nodeFiles';
import { waitFor } from '../../test/support/waitFor';
import { peakRssMb } from './procStats';
import { runTransfer, tripleWriteMBps } from './transfer';
import { percentile, round1 } from './stats';
import { arg } from './args';
import { compareEncryption } from './encryptionPair';
import { EventLoopWatch } from './eventLoopWatch';

/**
 * One large file through the node API with 3 replicas (all on this machine's disk), against
 * the disk's own limit measured in the same run: the same bytes written to three files with
 * fsync, and the worst event-loop delay of each node meanwhile. Then many 4 KiB objects at
 * concurrency 16. Targets: ratio ≥ 0.7, RSS < 150 MB/node.
 * The large upload and its baseline each run in a client process of their own (transferClient.mjs).
 * Usage: npm run bench:upload [-- --mib 1024 --profile lan --objects 2000]
 *
 * `--encryption both [--rounds 16 --download-pairs 3]`: encryption at rest on against off instead, in the same run
 * (encryptionPair.ts): upload and download through the node API, target ≥ 0.9× both ways. 16
 * rounds, about 12 minutes: with 8, the median of the 4 balanced upload ratios moved 0.89–0.95
 * between runs on one day.
 */
const mib = Number(arg('mib', '1024'));
const profile = arg('profile', 'lan') as 'lan' | 'wan';
const objects = Number(arg('objects', '2000'));
const seed = crypto.randomBytes(16).toString('hex');

async function put(cluster: NodeCluster, node: string, userId: string, fileId: string, body: Buffer): Promise<number> {
  return (await uploadTo(cluster, node, userId, fileId, body)).status;
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gv-bench-'));
await buildServer();
if (arg('encryption', 'default') === 'both') {
  try {
    const result = await compareEncryption({ mib, rounds: Number(arg('rounds', '16')), downloadPairs: Number(arg('download-pairs', '3')), profile, scratch });
    process.stdout.write(JSON.stringify(result) + '\n');
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  process.exit(0);
}
const cluster = await NodeCluster.create({ profile, env: { GEOVAULT_LOG_LEVEL: 'warn', GEOVAULT_QUOTA_BYTES: String(64 * 1024 ** 3) } });
try {
  const baselineMBps = await tripleWriteMBps(scratch, mib, seed);
  await cluster.startAll();
  await waitFor('all alive', () => cluster.allAlive());
  const pathname = `/v1/files/${crypto.randomUUID()}/${crypto.randomUUID()}`;
  const headers = { ...signRequest(cluster.secret, 'gateway', 'PUT', pathname, { streamed: true }), 'content-type': 'application/octet-stream' };
  const watch = new EventLoopWatch(cluster);
  const upload = await runTransfer(['upload', 'PUT', cluster.url('us-east') + pathname, String(mib), seed, JSON.stringify(headers)]);
  if (upload.status !== 201) throw new Error(`upload answered ${upload.status}: ${upload.body}`);
  const uploadMBps = upload.MBps;
  const rssAfterLargeUpload = Object.fromEntries(cluster.ids.map((id) => [id, peakRssMb(cluster.pid(id))]));
  // The third replica's last writes and every node's commits after them: one status window more.
  await new Promise((resolve) => setTimeout(resolve, 12_000));
  const eventLoopMaxMsDuringLargeUpload = await watch.stop();

  // Many small objects: the per-request cost of replication (three fsyncs, index facts, gossip).
  const small = crypto.randomBytes(4096);
  const smallUser = crypto.randomUUID();
  const latencies: number[] = [];
  let next = 0;
  const smallStarted = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < objects) {
        next++;
        const t = performance.now();
        const code = await put(cluster, cluster.ids[next % 3]!, smallUser, crypto.randomUUID(), small);
        if (code !== 201) throw new Error(`small upload answered ${code}`);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const objectsPerSecond = objects / ((performance.now() - smallStarted) / 1000);
  latencies.sort((a, b) => a - b);

  const rss = Object.fromEntries(cluster.ids.map((id) => [id, peakRssMb(cluster.pid(id))]));
  const maxRss = Math.max(...Object.values(rss).map((v) => v ?? Infinity));
  process.stdout.write(
    JSON.stringify({
      bench: 'upload',
      profile,
      sizeMiB: mib,
      replicas: 3,
      uploadMBps: round1(uploadMBps),
      baseline: { tripleWriteWithFsyncMBps: round1(baselineMBps) },
      ratio: Math.round((uploadMBps / baselineMBps) * 100) / 100,
      peakRssMbByNode: rss,
      peakRssMbAfterLargeUpload: rssAfterLargeUpload,
      eventLoopMaxMsDuringLargeUpload,
      smallObjects: { sizeBytes: 4096, count: objects, concurrency: 16, perSecond: round1(objectsPerSecond), p50Ms: round1(percentile(latencies, 50)), p99Ms: round1(percentile(latencies, 99)) },
      targets: { ratio: 0.7, rssMb: 150 },
      meetsTargets: uploadMBps / baselineMBps >= 0.7 && maxRss < 150,
    }) + '\n',
  );
} finally {
  await cluster.close();
  fs.rmSync(scratch, { recursive: true, force: true });
}
