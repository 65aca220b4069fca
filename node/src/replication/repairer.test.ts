import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { FileEntry, ReplicaRecord } from '../api/files';
import { defaultStorageSettings, type ReplicationContext } from './replicationContext';
import { Repairer } from './repairer';

const USER = '3f1c2a9e-8b7d-4c6e-9f0a-1b2c3d4e5f60';
const SELF = 'self';

/** What every fake node here shares: 'self', placed with its peers 'a' and 'b'. */
const AMONG_THREE = {
  self: SELF,
  allNodes: ['a', 'b', SELF],
  layout: { placementNodes: () => ['a', 'b', SELF] },
  logger: pino({ level: 'silent' }),
  activity: () => undefined,
};

/**
 * A node ('self') with peers 'a' and 'b', holding none of `files` on its disk; each file says
 * which nodes have a stored record of it. Pulls are recorded in the order they start.
 */
function lackingNode(files: Record<string, readonly string[]>, concurrency: number) {
  const data = new Map<string, Buffer>();
  const entries = new Map<string, FileEntry>();
  const records = new Map<string, ReplicaRecord>();
  const names = new Map<string, string>();
  for (const [name, holders] of Object.entries(files)) {
    const fileId: string = crypto.randomUUID();
    const bytes = crypto.randomBytes(100);
    names.set(fileId, name);
    data.set(fileId, bytes);
    const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
    entries.set(fileId, { fileId, ownerId: USER, name, size: bytes.length, sha256, mime: 'application/octet-stream', createdAt: new Date(0).toISOString(), deleted: false });
    for (const node of holders) records.set(`${node}/${fileId}`, { state: 'stored', sha256, size: bytes.length, at: new Date(0).toISOString() });
  }
  const onDisk = new Map<string, number>();
  const pulls: string[] = [];
  const ctx = {
    ...AMONG_THREE,
    catalog: {
      entry: (_userId: string, fileId: string) => entries.get(fileId),
      isDeleted: () => false,
      replicaRecord: (node: string, _userId: string, fileId: string) => records.get(`${node}/${fileId}`),
      setOwnReplica: async (_userId: string, fileId: string, state: ReplicaRecord['state']) => {
        records.set(`${SELF}/${fileId}`, { state, at: new Date().toISOString(), size: data.get(fileId)!.length });
      },
      clearOwnReplica: async () => undefined,
    },
    blobs: {
      stat: async (_userId: string, fileId: string) => (onDisk.has(fileId) ? { size: onDisk.get(fileId)! } : undefined),
      write: async (_userId: string, fileId: string, source: AsyncIterable<Buffer>) => {
        let size = 0;
        for await (const chunk of source) size += chunk.length;
        onDisk.set(fileId, size);
        return { size, sha256: entries.get(fileId)!.sha256 };
      },
      remove: async () => true,
    },
    peers: {
      getReplica: async (_source: string, _userId: string, fileId: string) => {
        pulls.push(names.get(fileId)!);
        // One pull at a time takes a while, so that the others wait in the queue.
        await new Promise((resolve) => setTimeout(resolve, 5));
        return { stream: Readable.from([data.get(fileId)!]), status: 200, headers: {} };
      },
    },
    mesh: { liveNodes: () => ['a', 'b', SELF], aliveOrSuspectNodes: () => ['a', 'b', SELF], rttMs: () => 1 },
    settings: { ...defaultStorageSettings(), repairConcurrency: concurrency },
  } as unknown as ReplicationContext;
  return { ctx, entries: [...entries.values()], pulls, onDisk };
}

/**
 * A node with blobs of files its index no longer knows: the file's tombstone came and was
 * collected already (every member covered it), or no fact of the file came yet (an upload
 * whose entry is still on its way). Records what it removes.
 */
function nodeWithUnknownBlobs(fileIds: readonly string[]) {
  const onDisk = new Set(fileIds);
  const removed: string[] = [];
  const ctx = {
    ...AMONG_THREE,
    catalog: {
      entry: () => undefined,
      isDeleted: () => false,
      replicaRecord: () => undefined,
      clearOwnReplica: async () => undefined,
    },
    blobs: {
      remove: async (_userId: string, fileId: string) => {
        removed.push(fileId);
        return onDisk.delete(fileId);
      },
    },
    settings: defaultStorageSettings(),
  } as unknown as ReplicationContext;
  return { ctx, onDisk, removed };
}

async function until(done: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('Repairer', () => {
  it('pulls the files with the fewest stored copies on other nodes first, whatever its own stale record says', async () => {
    // 'c' and 'd' carry a stale `stored` record of this node (a wiped node gets those back from its peers).
    const { ctx, entries, pulls, onDisk } = lackingNode({ a: ['a', 'b'], b: ['a'], c: ['a', 'b', SELF], d: ['b', SELF] }, 1);
    const repairer = new Repairer(ctx);
    for (const entry of entries) repairer.nudge(entry.ownerId, entry.fileId);
    await until(() => onDisk.size === 4);
    expect(pulls).toEqual(['b', 'd', 'a', 'c']);
    await repairer.stop();
  });

  it("removes the blob of a file whose tombstone it was told of, even once the index has collected it, and no other", async () => {
    const [deleted, inFlight] = [crypto.randomUUID(), crypto.randomUUID()];
    const { ctx, onDisk, removed } = nodeWithUnknownBlobs([deleted, inFlight]);
    const repairer = new Repairer(ctx);
    // The tombstone's nudge, then one for its replica record; the pass comes after both.
    repairer.nudge(USER, deleted, true);
    repairer.nudge(USER, deleted);
    repairer.nudge(USER, inFlight);
    await until(() => !onDisk.has(deleted));
    await repairer.stop();
    expect(removed).toEqual([deleted]);
    expect(onDisk.has(inFlight)).toBe(true);
  });

  it('removes a copy whose bytes landed after the delete it was told of, once its record nudges it', async () => {
    const late = crypto.randomUUID();
    const { ctx, onDisk, removed } = nodeWithUnknownBlobs([]);
    const repairer = new Repairer(ctx);
    repairer.nudge(USER, late, true);
    await until(() => removed.includes(late));
    // A replica write or a resumable finish puts the blob in place, then records it.
    onDisk.add(late);
    repairer.nudge(USER, late);
    await until(() => !onDisk.has(late));
    await repairer.stop();
  });

  it('runs its concurrency of pulls at once', async () => {
    const files = Object.fromEntries(Array.from({ length: 24 }, (_, i) => [`f${i}`, ['a']]));
    const { ctx, entries, onDisk } = lackingNode(files, 12);
    let active = 0;
    let maxActive = 0;
    const getReplica = ctx.peers.getReplica.bind(ctx.peers);
    ctx.peers.getReplica = (async (...args: Parameters<typeof getReplica>) => {
      active++;
      maxActive = Math.max(maxActive, active);
      try {
        return await getReplica(...args);
      } finally {
        active--;
      }
    }) as typeof getReplica;
    const repairer = new Repairer(ctx);
    for (const entry of entries) repairer.nudge(entry.ownerId, entry.fileId);
    await until(() => onDisk.size === 24);
    expect(maxActive).toBe(12);
    await repairer.stop();
  });
});
