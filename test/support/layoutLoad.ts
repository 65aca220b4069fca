import crypto from 'node:crypto';
import fs from 'node:fs';
import type { LayoutAnswer } from '../../node/src/api/layout';
import { placeReplicas } from '../../node/src/replication/placement';
import type { NodeCluster } from './nodeCluster';
import { blobFile, get, newId, sha256, uploadTo } from './nodeFiles';

export interface StoredFile {
  userId: string;
  fileId: string;
  sha256: string;
}

/** Blob files of `bytes` each (above the inline limit, or with inline off), uploaded through `nodes` in turn. */
export async function uploadFiles(cluster: NodeCluster, nodes: readonly string[], count: number, bytes: number, userId = newId()): Promise<StoredFile[]> {
  const files: StoredFile[] = [];
  const parallel = 8;
  for (let i = 0; i < count; i += parallel) {
    const batch = Array.from({ length: Math.min(parallel, count - i) }, (_, j) => i + j);
    files.push(
      ...(await Promise.all(
        batch.map(async (n) => {
          const data = crypto.randomBytes(bytes);
          const fileId = newId();
          const res = await uploadTo(cluster, nodes[n % nodes.length]!, userId, fileId, data);
          if (res.status >= 300) throw new Error(`upload ${n} answered ${res.status}: ${res.body.toString()}`);
          return { userId, fileId, sha256: sha256(data) };
        }),
      )),
    );
  }
  return files;
}

/**
 * Uploads and downloads that keep going while data moves, through the nodes `nodes()` names
 * at the time; every answer that is not a success (or a download whose bytes are wrong) is a
 * failure, with what it said.
 */
export class BackgroundLoad {
  readonly failures: string[] = [];
  readonly uploaded: StoredFile[] = [];
  uploads = 0;
  downloads = 0;
  private running = true;
  private readonly loops: Promise<void>[];

  constructor(
    private readonly cluster: NodeCluster,
    private readonly nodes: () => readonly string[],
    private readonly existing: readonly StoredFile[],
    opts: { uploaders?: number; downloaders?: number; bytes?: number } = {},
  ) {
    const userId = existing[0]?.userId ?? newId();
    const bytes = opts.bytes ?? 4096;
    this.loops = [
      ...Array.from({ length: opts.uploaders ?? 1 }, () => this.uploadLoop(userId, bytes)),
      ...Array.from({ length: opts.downloaders ?? 2 }, () => this.downloadLoop()),
    ];
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(Math.random() * list.length)]!;
  }

  private async uploadLoop(userId: string, bytes: number): Promise<void> {
    while (this.running) {
      const data = crypto.randomBytes(bytes);
      const fileId = newId();
      const node = this.pick(this.nodes());
      try {
        const res = await uploadTo(this.cluster, node, userId, fileId, data);
        this.uploads++;
        if (res.status >= 300) this.failures.push(`upload via ${node}: ${res.status} ${res.body.toString().slice(0, 200)}`);
        else this.uploaded.push({ userId, fileId, sha256: sha256(data) });
      } catch (error) {
        this.failures.push(`upload via ${node}: ${(error as Error).message}`);
      }
    }
  }

  private async downloadLoop(): Promise<void> {
    while (this.running) {
      const all = [...this.existing, ...this.uploaded];
      const file = this.pick(all);
      const node = this.pick(this.nodes());
      try {
        const res = await get(this.cluster, node, `/v1/files/${file.userId}/${file.fileId}`);
        this.downloads++;
        if (res.status !== 200) this.failures.push(`download via ${node}: ${res.status} ${res.body.toString().slice(0, 200)}`);
        else if (sha256(res.body) !== file.sha256) this.failures.push(`download via ${node}: wrong bytes for ${file.fileId}`);
      } catch (error) {
        this.failures.push(`download via ${node}: ${(error as Error).message}`);
      }
    }
  }
}

export async function layoutOf(cluster: NodeCluster, node: string): Promise<LayoutAnswer> {
  const res = await cluster.request(node, 'GET', '/v1/layout');
  if (!res.ok) throw new Error(`${node} GET /v1/layout answered ${res.status}`);
  return (await res.json()) as LayoutAnswer;
}

/** Applies the next layout version through `node`; the answer's status and body. */
export async function applyLayout(cluster: NodeCluster, node: string, changes: unknown[]): Promise<{ status: number; body: unknown }> {
  const { layout } = await layoutOf(cluster, node);
  const res = await cluster.request(node, 'POST', '/v1/layout', { version: layout.version + 1, changes });
  return { status: res.status, body: await res.json() };
}

/**
 * Where each file is now, by the nodes' own word (their replica record says stored and the
 * blob is whole: POST /v1/layout/holdings) and by their disks (the blob file exists).
 */
export async function copiesOf(cluster: NodeCluster, nodes: readonly string[], files: readonly StoredFile[]): Promise<{ stored: Map<string, string[]>; onDisk: Map<string, string[]> }> {
  const stored = new Map<string, string[]>(files.map((f) => [f.fileId, []]));
  const onDisk = new Map<string, string[]>(files.map((f) => [f.fileId, []]));
  for (const node of nodes) {
    for (let i = 0; i < files.length; i += 256) {
      const batch = files.slice(i, i + 256);
      const res = await cluster.request(node, 'POST', '/v1/layout/holdings', { files: batch.map(({ userId, fileId }) => ({ userId, fileId })) });
      if (!res.ok) throw new Error(`${node} holdings answered ${res.status}`);
      const answer = (await res.json()) as { stored: boolean[] };
      batch.forEach((file, j) => {
        if (answer.stored[j]) stored.get(file.fileId)!.push(node);
        if (fs.existsSync(blobFile(cluster, node, file.userId, file.fileId))) onDisk.get(file.fileId)!.push(node);
      });
    }
  }
  return { stored, onDisk };
}

/** Files whose stored copies or blob files are not exactly the placement over `active` (3 each). */
export async function misplaced(cluster: NodeCluster, nodes: readonly string[], active: readonly string[], files: readonly StoredFile[]): Promise<string[]> {
  const { stored, onDisk } = await copiesOf(cluster, nodes, files);
  const wrong: string[] = [];
  for (const file of files) {
    const expected = placeReplicas(file.fileId, [...active].sort(), 3).sort().join(',');
    const has = stored.get(file.fileId)!.sort().join(',');
    const disk = onDisk.get(file.fileId)!.sort().join(',');
    if (has !== expected || disk !== expected) wrong.push(`${file.fileId}: expected ${expected}, stored on ${has || 'none'}, blobs on ${disk || 'none'}`);
  }
  return wrong;
}

/**
 * For waitFor: true once every file is placed over `active`; otherwise throws how many are not,
 * a few of them, each node's rebalance summary and what the nodes logged about the first one,
 * so that a timeout says which side stalled.
 */
export async function placedOrExplain(cluster: NodeCluster, nodes: readonly string[], active: readonly string[], files: readonly StoredFile[]): Promise<boolean> {
  const wrong = await misplaced(cluster, nodes, active, files);
  if (wrong.length === 0) return true;
  const rebalance = await Promise.all(
    nodes.map(async (id) => {
      const { layout, storage } = await cluster.status(id);
      return `${id} v${layout.version}: ${JSON.stringify(storage.rebalance)} replicas ${JSON.stringify(storage.replicas)}`;
    }),
  );
  const first = wrong[0]!.split(':')[0]!;
  const mentions = nodes.flatMap((id) => cluster.logs(id).split('\n').filter((line) => line.includes(first)).map((line) => `${id}: ${line}`));
  throw new Error(`${wrong.length} of ${files.length} misplaced, e.g. ${wrong.slice(0, 3).join('; ')}\n${rebalance.join('\n')}\nlogs on ${first}:\n${mentions.slice(0, 20).join('\n')}`);
}
