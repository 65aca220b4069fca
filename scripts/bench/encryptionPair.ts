import crypto from 'node:crypto';
import { signRequest } from '../../common/signing/requestSigning';
import { NodeCluster } from '../../test/support/nodeCluster';
import { listFiles } from '../../test/support/nodeFiles';
import { waitFor } from '../../test/support/waitFor';
import { peakRssMb } from './procStats';
import { CHUNK, runTransfer, settleDisk, tripleWriteMBps } from './transfer';
import { median, round1 } from './stats';
import { runEncryptionRounds, summarise, type EncryptionRoundsOptions, type Mode } from './encryptionRounds';

/**
 * Encryption at rest against the same cluster with it off (issue 15: target ≥ 0.9× both ways),
 * through the node API: two clusters side by side, in the rounds of encryptionRounds.ts, each
 * upload from the same quiet start (the disk's triple-write limit measured before each round).
 */
export interface PairOptions extends EncryptionRoundsOptions {
  readonly mib: number;
  readonly profile: 'lan' | 'wan';
  readonly scratch: string;
}

interface Stored {
  readonly userId: string;
  readonly pathname: string;
}

async function uploadOnce(cluster: NodeCluster, mib: number, seed: string): Promise<Stored & { MBps: number }> {
  const userId = crypto.randomUUID();
  const fileId = crypto.randomUUID();
  const pathname = `/v1/files/${userId}/${fileId}`;
  const putHeaders = { ...signRequest(cluster.secret, 'gateway', 'PUT', pathname, { streamed: true }), 'content-type': 'application/octet-stream' };
  const upload = await runTransfer(['upload', 'PUT', cluster.url('us-east') + pathname, String(mib), seed, JSON.stringify(putHeaders)]);
  if (upload.status !== 201) throw new Error(`upload answered ${upload.status}: ${upload.body}`);
  // Acknowledged at two replicas; the third still writes for a while, and must not be measured
  // as part of a download.
  await waitFor('all replicas stored', async () => {
    const view = (await listFiles(cluster, 'us-east', userId)).files.find((file) => file.fileId === fileId);
    return Object.values(view?.replicas ?? {}).filter((state) => state === 'stored').length === 3;
  }, { timeoutMs: 180_000, intervalMs: 250 });
  return { userId, pathname, MBps: upload.MBps };
}

async function downloadOnce(cluster: NodeCluster, file: Stored, mib: number): Promise<number> {
  const getHeaders = signRequest(cluster.secret, 'gateway', 'GET', file.pathname);
  return (await runTransfer(['download', cluster.url('us-east') + file.pathname, String(mib * CHUNK), JSON.stringify(getHeaders)])).MBps;
}

/** Deleted, then the trash emptied: a deleted file keeps its blobs there (DESIGN §8). */
async function remove(cluster: NodeCluster, file: Stored): Promise<void> {
  for (const pathname of [file.pathname, `/v1/tree/${file.userId}/trash`]) {
    const removed = await fetch(cluster.url('us-east') + pathname, { method: 'DELETE', headers: signRequest(cluster.secret, 'gateway', 'DELETE', pathname) });
    if (!removed.ok) throw new Error(`DELETE ${pathname} answered ${removed.status}`);
  }
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
    const disk: number[] = [];
    const rounds = await runEncryptionRounds<Stored>(opts, {
      beforeRound: async () => {
        settleDisk();
        disk.push(await tripleWriteMBps(opts.scratch, opts.mib, seed));
      },
      upload: async (mode) => {
        settleDisk();
        const { MBps, ...file } = await uploadOnce(clusters[mode], opts.mib, seed);
        return { MBps, file };
      },
      download: (mode, file) => downloadOnce(clusters[mode], file, opts.mib),
      remove: (mode, file) => remove(clusters[mode], file),
    });
    const rss = (mode: Mode) => Object.fromEntries(clusters[mode].ids.map((id) => [id, peakRssMb(clusters[mode].pid(id))]));
    return {
      bench: 'upload',
      mode: 'encryption on vs off',
      profile: opts.profile,
      sizeMiB: opts.mib,
      rounds: opts.rounds,
      downloadPairsPerRound: opts.downloadPairs,
      diskTripleWriteMBps: round1(median(disk)),
      peakRssMbByNode: { off: rss('off'), on: rss('on') },
      ...summarise(rounds),
    };
  } finally {
    await Promise.all(Object.values(clusters).map((cluster) => cluster.close()));
  }
}
