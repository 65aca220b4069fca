import { buildServer } from '../buildServer.mjs';
import { NodeCluster } from '../../test/support/nodeCluster';
import { waitFor } from '../../test/support/waitFor';
import { applyLayout, BackgroundLoad, layoutOf, misplaced, uploadFiles } from '../../test/support/layoutLoad';
import { placeReplicas } from '../../node/src/replication/placement';
import { round1 } from './stats';
import { tripleWriteMBps } from './transfer';
import { arg, numberArg } from './args';

/**
 * A fourth region joins a running 3-node cluster (DESIGN §12): `--files` blob files are
 * uploaded to the founders, sa-east is started with the address of one of them and added to
 * the layout while uploads and downloads keep going; timed from the layout change until every
 * file is stored on exactly its new holders and nowhere else (records and disks). Prints files
 * per second moved (pulled by sa-east; dropped by the old holders once sa-east stores them),
 * and the error rate of the requests made during the move (target 0). The disk's triple fsynced
 * write of the same bytes, measured in the same run, is the baseline.
 * Usage: npm run bench:rebalance [-- --profile wan --files 2000 --fileKiB 32]
 */
const profile = arg('profile', 'lan') as 'lan' | 'wan';
const fileCount = numberArg('files', 2000);
const fileBytes = numberArg('fileKiB', 32) * 1024;
const FOUNDERS = ['asia', 'eu-west', 'us-east'];
const ALL = [...FOUNDERS, 'sa-east'];
const progress = (message: string) => process.stderr.write(`[bench:rebalance] ${message}\n`);

await buildServer();
const cluster = await NodeCluster.create({ profile, env: { GEOVAULT_LOG_LEVEL: 'warn', GEOVAULT_INLINE_MAX_BYTES: '0' } });
try {
  await cluster.startAll();
  await waitFor('the founders to see each other', () => cluster.allAlive(), { timeoutMs: 60_000 });
  const started = performance.now();
  const files = await uploadFiles(cluster, FOUNDERS, fileCount, fileBytes);
  progress(`${fileCount} files of ${fileBytes} bytes uploaded in ${round1((performance.now() - started) / 1000)} s`);
  const toSaEast = files.filter((file) => placeReplicas(file.fileId, ALL, 3).includes('sa-east')).length;

  await cluster.start('sa-east');
  await waitFor('every founder to hold sa-east alive', async () => {
    for (const id of FOUNDERS) if ((await cluster.memberState(id, 'sa-east'))?.state !== 'alive') return false;
    return true;
  }, { timeoutMs: 60_000 });

  const load = new BackgroundLoad(cluster, () => FOUNDERS, files, { uploaders: 2, downloaders: 4, bytes: fileBytes });
  const { joined } = await layoutOf(cluster, 'us-east');
  const changedAt = performance.now();
  const applied = await applyLayout(cluster, 'us-east', [{ op: 'add', node: joined.find((n) => n.id === 'sa-east') }]);
  if (applied.status !== 200) throw new Error(`layout add answered ${applied.status}: ${JSON.stringify(applied.body)}`);
  progress(`sa-east added; ${toSaEast} of ${fileCount} files move to it`);

  // Pulled: sa-east stores every file it now holds. Settled: the old holders dropped theirs too.
  let pulledSeconds = 0;
  await waitFor('sa-east to store its share', async () => {
    const status = await cluster.status('sa-east');
    if (status.storage.rebalance.incoming.moved < toSaEast) return false;
    pulledSeconds = (performance.now() - changedAt) / 1000;
    return true;
  }, { timeoutMs: 1_800_000, intervalMs: 200 });
  progress(`sa-east stores its share after ${round1(pulledSeconds)} s`);
  let settledSeconds = 0;
  await waitFor('old holders to drop the moved copies', async () => {
    const statuses = await Promise.all(FOUNDERS.map((id) => cluster.status(id)));
    const dropped = statuses.reduce((sum, s) => sum + s.storage.rebalance.outgoing.moved, 0);
    if (dropped < toSaEast) return false;
    settledSeconds = (performance.now() - changedAt) / 1000;
    return true;
  }, { timeoutMs: 1_800_000, intervalMs: 200 });
  await load.stop();
  progress(`moved copies dropped after ${round1(settledSeconds)} s; checking every file`);

  const everything = [...files, ...load.uploaded];
  const wrong = await waitFor('every file on exactly its holders', async () => {
    const left = await misplaced(cluster, ALL, ALL, everything);
    return left.length === 0 ? left : false;
  }, { timeoutMs: 300_000, intervalMs: 1_000 }).catch(async () => misplaced(cluster, ALL, ALL, everything));

  const requests = load.uploads + load.downloads;
  const movedBytes = toSaEast * fileBytes;
  const diskMBps = await tripleWriteMBps(cluster.dataDir, Math.max(8, Math.ceil(movedBytes / 1024 ** 2)), 'rebalance');
  const statuses = await Promise.all(ALL.map(async (id) => [id, (await cluster.status(id)).storage.rebalance] as const));
  process.stdout.write(
    JSON.stringify({
      bench: 'rebalance',
      profile,
      files: { count: fileCount, sizeBytes: fileBytes, movedToNewNode: toSaEast },
      pulled: { seconds: round1(pulledSeconds), filesPerSecond: round1(toSaEast / pulledSeconds), MBps: round1(movedBytes / 1024 ** 2 / pulledSeconds) },
      settled: { seconds: round1(settledSeconds), filesPerSecond: round1(toSaEast / settledSeconds) },
      duringMove: { requests, uploads: load.uploads, downloads: load.downloads, failed: load.failures.length, errorRate: requests ? load.failures.length / requests : 0, firstFailures: load.failures.slice(0, 5) },
      target: { errorRate: 0 },
      baseline: { diskTripleWriteMBps: diskMBps },
      verified: { misplacedFiles: wrong.length, checkedFiles: everything.length },
      rebalance: Object.fromEntries(statuses),
    }) + '\n',
  );
} finally {
  await cluster.close();
}
