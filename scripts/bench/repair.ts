import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { signRequest } from '../../common/signing/requestSigning';
import type { Digest } from '../../node/src/gossip/frames';
import { buildServer } from '../buildServer.mjs';
import { NodeCluster } from '../../test/support/nodeCluster';
import { readBlob, uploadTo } from '../../test/support/nodeFiles';
import { waitFor } from '../../test/support/waitFor';
import { round1 } from './stats';
import { peakRssMb } from './procStats';
import { tripleWriteMBps } from './transfer';
import { arg, numberArg } from './args';
import { keepAliveAgent } from '../../common/http/keepAlive';

/**
 * A node wiped while it held many small files and a lot of large ones (DESIGN §6: repair pulls
 * several files at a time, within a byte budget): the files are uploaded through the node API
 * (signed PUTs, as the gateway sends them) to a 3-node cluster, eu-west is killed with -9, its
 * data directory deleted and the node started again, and the time until it holds every file
 * again is measured per kind: small blob files (just above the inline limit, repaired by pulls),
 * large blob files, and inline files (in the index, repaired by anti-entropy). Every blob on its
 * disk is then hashed, and every inline file read back from it. Then the same node loses its
 * blobs but keeps its index, which times the pulls alone: a wiped node can pull no faster than
 * its index catches up with the entries (anti-entropy; the trace on stderr shows which leads).
 * Targets on lan: small files ≥ 200/s, large files ≥ 50 MB/s, counted from the moment the
 * restarted node answers (and, in `fromFirstFileBack`, from the first file back).
 * Files are uploaded through us-east and asia only: a wiped node does not get back the entries
 * of files it wrote itself (the index reuses its sequence numbers; see test/storage.repair.test.ts).
 * Usage: npm run bench:repair [-- --profile wan --small 10000 --inline 10000 --largeMiB 1024]
 */
const profile = arg('profile', 'lan') as 'lan' | 'wan';
const smallCount = numberArg('small', 10_000);
const smallBytes = numberArg('smallKiB', 32) * 1024;
const inlineCount = numberArg('inline', 10_000);
const inlineBytes = numberArg('inlineKiB', 4) * 1024;
const largeMiB = numberArg('largeMiB', 1024);
const largeFileMiB = Math.min(numberArg('largeFileMiB', 64), largeMiB);
const concurrency = numberArg('concurrency', profile === 'wan' ? 48 : 16);
const WIPED = 'eu-west';
const THROUGH = ['us-east', 'asia'];
const USERS = 10;
const ratio = (value: number, limit: number) => Math.round((value / limit) * 100) / 100;
const progress = (message: string) => process.stderr.write(`[bench:repair] ${message}\n`);

interface Kept {
  userId: string;
  fileId: string;
  size: number;
  sha256: string;
}

const agent = keepAliveAgent(64);

async function put(cluster: NodeCluster, node: string, userId: string, fileId: string, body: Buffer): Promise<void> {
  const res = await uploadTo(cluster, node, userId, fileId, body, { agent });
  if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${res.body.toString().slice(0, 200)}`);
}

/** Uploads `count` files of `size` random bytes over `users`, `parallel` at a time, through the nodes that stay. */
async function load(cluster: NodeCluster, what: string, users: readonly string[], count: number, size: number, parallel: number): Promise<Kept[]> {
  const kept: Kept[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        const i = next++;
        const data = crypto.randomBytes(size);
        const file: Kept = { userId: users[i % users.length]!, fileId: crypto.randomUUID(), size, sha256: crypto.createHash('sha256').update(data).digest('hex') };
        await put(cluster, THROUGH[i % THROUGH.length]!, file.userId, file.fileId, data);
        kept.push(file);
        if (kept.length % 2000 === 0) progress(`${what}: ${kept.length}/${count}`);
      }
    }),
  );
  progress(`${what}: ${count} files of ${size} bytes loaded in ${round1((performance.now() - started) / 1000)} s`);
  return kept;
}

const userDir = (cluster: NodeCluster, node: string, userId: string) => path.join(cluster.dataDir, `node-${node}`, userId, 'files');

/** Blobs of `users` on `node`'s disk: a blob is renamed into place only once whole and hash-checked. */
function blobsOnDisk(cluster: NodeCluster, node: string, users: readonly string[]): number {
  let count = 0;
  for (const userId of users) {
    try {
      count += fs.readdirSync(userDir(cluster, node, userId)).filter((name) => name.endsWith('.bin')).length;
    } catch {
      // Not made yet.
    }
  }
  return count;
}

/** True when `digest` holds every fact `target` holds from the given origins. */
const covers = (digest: Digest, target: Digest, origins: readonly string[]) => origins.every((origin) => (digest[origin] ?? 0) >= (target[origin] ?? 0));

function maxDigest(digests: readonly Digest[]): Digest {
  const merged: Digest = {};
  for (const digest of digests) for (const [origin, seq] of Object.entries(digest)) merged[origin] = Math.max(merged[origin] ?? 0, seq);
  return merged;
}

function getBody(cluster: NodeCluster, node: string, pathname: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: cluster.port(node), method: 'GET', path: pathname, agent, headers: signRequest(cluster.secret, 'gateway', 'GET', pathname) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function inParallel<T>(items: readonly T[], parallel: number, each: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < items.length) await each(items[next++]!);
  }));
}

interface Phase {
  startUpSeconds: number;
  small: { secondsAfterUp: number; perSecond: number };
  large: { secondsAfterUp: number; MBps: number };
  inline?: { secondsAfterUp: number; perSecond: number };
  /** From the first file back to each kind's last: the pulls alone, without start-up and waits. */
  fromFirstFileBack: { smallSeconds: number; smallPerSecond: number | null; largeSeconds: number; largeMBps: number | null };
  allBackSeconds: number;
  repair: unknown;
  verified: { badBlobs: number; badInline?: number };
  peakRssMb: number | null;
}

/**
 * Restarts the node (after `damage` while it is down) and times until it holds every file again;
 * `inlineTarget` (a digest) when its index must catch up too. Then checks every blob's hash.
 */
async function measure(
  cluster: NodeCluster,
  files: { small: Kept[]; large: Kept[]; inline?: Kept[] },
  users: { small: string[]; large: string[] },
  inlineTarget: Digest | undefined,
  others: string[],
): Promise<Phase> {
  const largeBytes = files.large.reduce((sum, file) => sum + file.size, 0);
  const restartedAt = performance.now();
  await cluster.start(WIPED);
  const upAt = performance.now();
  const at: { first?: number; small?: number; large?: number; inline?: number } = {};
  // Once a second on stderr: how far the index and the disk have come, to see which one leads.
  const trace = setInterval(() => {
    void cluster.status(WIPED).then(
      (s) =>
        progress(
          `+${round1((performance.now() - upAt) / 1000)} s: index ${s.index.size} keys, small ${blobsOnDisk(cluster, WIPED, users.small)}, large ${blobsOnDisk(cluster, WIPED, users.large)}, pulled ${s.storage.repair.pulled}`,
        ),
      () => undefined,
    );
  }, 1000);
  await waitFor(
    `${WIPED} to hold every file again`,
    async () => {
      const now = performance.now();
      const small = blobsOnDisk(cluster, WIPED, users.small);
      const large = blobsOnDisk(cluster, WIPED, users.large);
      if (at.first === undefined && small + large > 0) at.first = now;
      if (at.small === undefined && small >= files.small.length) at.small = now;
      if (at.large === undefined && large >= files.large.length) at.large = now;
      if (!inlineTarget) at.inline = now;
      else if (at.inline === undefined && covers((await cluster.status(WIPED)).index.digest, inlineTarget, others)) at.inline = performance.now();
      return at.small !== undefined && at.large !== undefined && at.inline !== undefined;
    },
    { timeoutMs: 3_600_000, intervalMs: 100 },
  );
  clearInterval(trace);
  const status = await cluster.status(WIPED);
  const peakRss = peakRssMb(cluster.pid(WIPED));
  progress('every file is back; checking hashes');

  // Outside the timing: every blob on disk opened with the master key (every tag checked) and
  // its plaintext hashed, every inline file read back from the node itself.
  let badBlobs = 0;
  await inParallel([...files.small, ...files.large], 4, async (file) => {
    const plaintext = readBlob(cluster, WIPED, file.userId, file.fileId);
    const sha = plaintext ? crypto.createHash('sha256').update(plaintext).digest('hex') : '';
    if (sha !== file.sha256) badBlobs++;
  });
  let badInline: number | undefined;
  if (files.inline) {
    badInline = 0;
    await inParallel(files.inline, 16, async (file) => {
      const res = await getBody(cluster, WIPED, `/v1/files/${file.userId}/${file.fileId}`);
      if (res.status !== 200 || crypto.createHash('sha256').update(res.body).digest('hex') !== file.sha256) badInline!++;
    });
  }
  const sec = (ms: number) => round1(ms / 1000);
  const smallMs = at.small! - upAt;
  const largeMs = at.large! - upAt;
  const inlineMs = at.inline! - upAt;
  return {
    startUpSeconds: sec(upAt - restartedAt),
    small: { secondsAfterUp: sec(smallMs), perSecond: round1(files.small.length / (smallMs / 1000)) },
    large: { secondsAfterUp: sec(largeMs), MBps: round1(largeBytes / 1e6 / (largeMs / 1000)) },
    ...(files.inline ? { inline: { secondsAfterUp: sec(inlineMs), perSecond: round1(files.inline.length / (inlineMs / 1000)) } } : {}),
    fromFirstFileBack: {
      smallSeconds: sec(at.small! - at.first!),
      smallPerSecond: files.small.length > 0 ? round1(files.small.length / ((at.small! - at.first!) / 1000)) : null,
      largeSeconds: sec(at.large! - at.first!),
      largeMBps: files.large.length > 0 && files.small.length > 0 ? round1(largeBytes / 1e6 / ((at.large! - at.first!) / 1000)) : null,
    },
    allBackSeconds: sec(Math.max(at.small!, at.large!, at.inline!) - restartedAt),
    repair: status.storage.repair,
    verified: { badBlobs, ...(badInline !== undefined ? { badInline } : {}) },
    peakRssMb: peakRss,
  };
}

await buildServer();
const cluster = await NodeCluster.create({
  profile,
  env: { GEOVAULT_LOG_LEVEL: 'warn', GEOVAULT_QUOTA_BYTES: String(64 * 1024 ** 3) },
});
try {
  await cluster.startAll();
  await waitFor('all alive', () => cluster.allAlive(), { timeoutMs: 60_000 });
  const users = { small: Array.from({ length: USERS }, () => crypto.randomUUID()), large: [crypto.randomUUID()] };
  const inlineUsers = Array.from({ length: USERS }, () => crypto.randomUUID());
  const largeCount = Math.floor(largeMiB / largeFileMiB);
  const small = await load(cluster, 'small', users.small, smallCount, smallBytes, concurrency);
  const inline = await load(cluster, 'inline', inlineUsers, inlineCount, inlineBytes, concurrency);
  const large = await load(cluster, 'large', users.large, largeCount, largeFileMiB * 1024 * 1024, 2);
  const largeBytes = large.reduce((sum, file) => sum + file.size, 0);

  // Every copy in place before the wipe: the blobs on eu-west's disk, the inline files in its index.
  const others = cluster.ids.filter((id) => id !== WIPED);
  const othersDigest = async () => maxDigest(await Promise.all(others.map(async (id) => (await cluster.status(id)).index.digest)));
  await waitFor(
    `${WIPED} to hold every file before the wipe`,
    async () => {
      if (blobsOnDisk(cluster, WIPED, users.small) < smallCount || blobsOnDisk(cluster, WIPED, users.large) < largeCount) return false;
      return covers((await cluster.status(WIPED)).index.digest, await othersDigest(), others);
    },
    { timeoutMs: 600_000, intervalMs: 500 },
  );
  const target = await othersDigest();
  // The disk swings tenfold between runs here: its own limit for three large fsynced files at
  // once (what the large lane does), measured in this run, right before the wipe.
  const diskMBps = round1(await tripleWriteMBps(cluster.dataDir, Math.min(largeMiB, 1024), `repair-${Date.now()}`));
  progress(`the disk's limit now: ${diskMBps} MB/s for three fsynced files at once`);

  progress(`wiping ${WIPED}: ${smallCount} small, ${inlineCount} inline, ${largeCount} large files (${round1(largeBytes / 1024 ** 2)} MiB)`);
  await cluster.kill(WIPED);
  fs.rmSync(path.join(cluster.dataDir, `node-${WIPED}`), { recursive: true, force: true });
  const wiped = await measure(cluster, { small, large, inline }, users, target, others);

  // The same node loses its blobs but keeps its index (a data disk replaced): no index to catch
  // up, so this times the pulls themselves. Its records still say stored, so only the sweep
  // finds the missing blobs; it looks at 20,000 files/s here rather than 200, so that the
  // look does not set the pace (nothing else differs from the defaults).
  progress(`${WIPED} loses its blobs, keeps its index`);
  await cluster.kill(WIPED);
  for (const userId of [...users.small, ...users.large]) fs.rmSync(path.join(cluster.dataDir, `node-${WIPED}`, userId), { recursive: true, force: true });
  process.env.GEOVAULT_REPAIR_SWEEP_FILES_PER_SEC = '20000';
  const blobsLost = await measure(cluster, { small, large }, users, undefined, others);

  const meets = (phase: Phase) => phase.small.perSecond >= 200 && phase.large.MBps >= 50;
  const verified = (phase: Phase) => phase.verified.badBlobs === 0 && (phase.verified.badInline ?? 0) === 0;
  process.stdout.write(
    JSON.stringify({
      bench: 'repair',
      profile,
      node: WIPED,
      repairConcurrency: Number(process.env.GEOVAULT_REPAIR_CONCURRENCY ?? 12),
      files: {
        small: { count: smallCount, sizeBytes: smallBytes },
        large: { count: largeCount, fileMiB: largeFileMiB, totalMiB: round1(largeBytes / 1024 ** 2) },
        inline: { count: inlineCount, sizeBytes: inlineBytes },
      },
      wiped,
      blobsLostIndexKept: { sweepFilesPerSecond: 20_000, ...blobsLost },
      targets: { smallPerSecond: 200, largeMBps: 50 },
      disk: { tripleWriteMBps: diskMBps, largeVsDisk: { wiped: ratio(wiped.large.MBps, diskMBps), blobsLostIndexKept: ratio(blobsLost.large.MBps, diskMBps) } },
      meetsTargets: { wiped: meets(wiped), blobsLostIndexKept: meets(blobsLost) },
      allVerified: verified(wiped) && verified(blobsLost),
    }) + '\n',
  );
} finally {
  agent.destroy();
  await cluster.close();
}
