import crypto from 'node:crypto';
import { signRequest } from '../../common/signing/requestSigning';
import { NodeCluster } from '../../test/support/nodeCluster';
import { listFiles } from '../../test/support/nodeFiles';
import { waitFor } from '../../test/support/waitFor';
import { peakRssMb } from './procStats';
import { CHUNK, runTransfer, settleDisk, tripleWriteMBps } from './transfer';
import { percentile, round1 } from './nodeEvents';

/**
 * Encryption at rest against the same cluster with it off (issue 15: target ≥ 0.9× both ways),
 * in one run: two clusters side by side, and in every round each takes the same large upload
 * through the node API and serves it back, in alternating order, from the same quiet start.
 * This VM's disk swings by tens of percent between minutes, so only figures taken back to back
 * are compared, and the ratios are medians over rounds.
 */
export interface PairOptions {
  readonly mib: number;
  readonly rounds: number;
  readonly profile: 'lan' | 'wan';
  readonly scratch: string;
}

type Mode = 'off' | 'on';
interface Sample {
  uploadMBps: number;
  downloadMBps: number;
}

const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50);
const ratio = (n: number) => Math.round(n * 100) / 100;

async function transferOnce(cluster: NodeCluster, mib: number, seed: string): Promise<Sample> {
  const userId = crypto.randomUUID();
  const fileId = crypto.randomUUID();
  const pathname = `/v1/files/${userId}/${fileId}`;
  const putHeaders = { ...signRequest(cluster.secret, 'gateway', 'PUT', pathname, { streamed: true }), 'content-type': 'application/octet-stream' };
  const upload = await runTransfer(['upload', 'PUT', cluster.url('us-east') + pathname, String(mib), seed, JSON.stringify(putHeaders)]);
  if (upload.status !== 201) throw new Error(`upload answered ${upload.status}: ${upload.body}`);
  // Acknowledged at two replicas; the third still writes for a while, and must not be measured
  // as part of the download.
  await waitFor('all replicas stored', async () => {
    const view = (await listFiles(cluster, 'us-east', userId)).files.find((file) => file.fileId === fileId);
    return Object.values(view?.replicas ?? {}).filter((state) => state === 'stored').length === 3;
  }, { timeoutMs: 180_000, intervalMs: 250 });
  settleDisk();
  const getHeaders = signRequest(cluster.secret, 'gateway', 'GET', pathname);
  const download = await runTransfer(['download', cluster.url('us-east') + pathname, String(mib * CHUNK), JSON.stringify(getHeaders)]);
  const removed = await fetch(cluster.url('us-east') + pathname, { method: 'DELETE', headers: signRequest(cluster.secret, 'gateway', 'DELETE', pathname) });
  if (!removed.ok) throw new Error(`delete answered ${removed.status}`);
  return { uploadMBps: upload.MBps, downloadMBps: download.MBps };
}

export async function compareEncryption(opts: PairOptions): Promise<Record<string, unknown>> {
  const seed = crypto.randomBytes(16).toString('hex');
  const env = (mode: Mode) => ({ GEOVAULT_LOG_LEVEL: 'warn', GEOVAULT_QUOTA_BYTES: String(64 * 1024 ** 3), GEOVAULT_ENCRYPTION: mode });
  const clusters = {
    off: await NodeCluster.create({ profile: opts.profile, env: env('off') }),
    on: await NodeCluster.create({ profile: opts.profile, env: env('on') }),
  };
  try {
    for (const cluster of Object.values(clusters)) {
      await cluster.startAll();
      await waitFor('all alive', () => cluster.allAlive());
    }
    const samples: Record<Mode, Sample[]> = { off: [], on: [] };
    const disk: number[] = [];
    for (let round = 0; round < opts.rounds; round++) {
      settleDisk();
      disk.push(await tripleWriteMBps(opts.scratch, opts.mib, seed));
      const order: Mode[] = round % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
      for (const mode of order) {
        settleDisk();
        samples[mode].push(await transferOnce(clusters[mode], opts.mib, seed));
      }
      const [off, on] = [samples.off.at(-1)!, samples.on.at(-1)!];
      process.stderr.write(
        `round ${round + 1}/${opts.rounds}: upload off ${round1(off.uploadMBps)} on ${round1(on.uploadMBps)} MB/s, download off ${round1(off.downloadMBps)} on ${round1(on.downloadMBps)} MB/s (disk ${round1(disk.at(-1)!)})\n`,
      );
    }
    const ratios = (key: keyof Sample) => samples.on.map((on, i) => on[key] / samples.off[i]![key]);
    const uploadRatio = median(ratios('uploadMBps'));
    const downloadRatio = median(ratios('downloadMBps'));
    const rss = (mode: Mode) => Object.fromEntries(clusters[mode].ids.map((id) => [id, peakRssMb(clusters[mode].pid(id))]));
    return {
      bench: 'upload',
      mode: 'encryption on vs off',
      profile: opts.profile,
      sizeMiB: opts.mib,
      rounds: opts.rounds,
      diskTripleWriteMBps: round1(median(disk)),
      off: { uploadMBps: round1(median(samples.off.map((s) => s.uploadMBps))), downloadMBps: round1(median(samples.off.map((s) => s.downloadMBps))), peakRssMbByNode: rss('off') },
      on: { uploadMBps: round1(median(samples.on.map((s) => s.uploadMBps))), downloadMBps: round1(median(samples.on.map((s) => s.downloadMBps))), peakRssMbByNode: rss('on') },
      ratio: { upload: ratio(uploadRatio), download: ratio(downloadRatio), uploads: ratios('uploadMBps').map(ratio), downloads: ratios('downloadMBps').map(ratio) },
      targets: { ratio: 0.9 },
      meetsTargets: uploadRatio >= 0.9 && downloadRatio >= 0.9,
    };
  } finally {
    await Promise.all(Object.values(clusters).map((cluster) => cluster.close()));
  }
}
