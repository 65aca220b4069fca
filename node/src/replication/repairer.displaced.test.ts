import crypto from 'node:crypto';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { FileEntry, ReplicaRecord } from '../api/files';
import { defaultStorageSettings, type ReplicationContext } from './replicationContext';
import { Repairer } from './repairer';

const USER = '3f1c2a9e-8b7d-4c6e-9f0a-1b2c3d4e5f60';
const SELF = 'self';
const GRACE_MS = 1_000;

/**
 * A node the layout places no file on ('a', 'b' and 'c' hold them all), with blob files of
 * live files on its disk and no record of them: what a node that died between a write and its
 * record is left with once the layout moved the files away.
 */
function displacedNode(blobs: Record<string, { whole: boolean; ageMs: number; record?: boolean }>) {
  const entries = new Map<string, FileEntry>();
  const hashes = new Map<string, string>();
  const records = new Map<string, ReplicaRecord>();
  const names = new Map<string, string>();
  for (const [name, blob] of Object.entries(blobs)) {
    const fileId: string = crypto.randomUUID();
    const sha256 = crypto.createHash('sha256').update(name).digest('hex');
    names.set(fileId, name);
    entries.set(fileId, { fileId, ownerId: USER, name, size: 100, sha256, mime: 'application/octet-stream', createdAt: new Date(0).toISOString(), deleted: false });
    hashes.set(fileId, blob.whole ? sha256 : '0'.repeat(64));
    if (blob.record) records.set(fileId, { state: 'stored', sha256, size: 100, at: new Date(0).toISOString() });
  }
  const removed: string[] = [];
  const ctx = {
    self: SELF,
    allNodes: ['a', 'b', 'c', SELF],
    layout: { placementNodes: () => ['a', 'b', 'c'] },
    catalog: {
      entry: (_userId: string, fileId: string) => entries.get(fileId),
      isDeleted: () => false,
      replicaRecord: (node: string, _userId: string, fileId: string) => (node === SELF ? records.get(fileId) : undefined),
      setOwnReplica: async (_userId: string, fileId: string, state: ReplicaRecord['state'], stored?: { sha256: string; size: number }) => {
        records.set(fileId, { state, ...stored, at: new Date().toISOString() });
      },
      clearOwnReplica: async (_userId: string, fileId: string) => void records.delete(fileId),
      walkEntries: async function* () {
        yield* entries.values();
      },
      walkOwnReplicas: async function* () {},
    },
    blobs: {
      list: async function* () {
        for (const [fileId, name] of names) yield { userId: USER, fileId, size: 100, mtimeMs: Date.now() - blobs[name]!.ageMs };
      },
      stat: async (_userId: string, fileId: string) => (hashes.has(fileId) ? { size: 100 } : undefined),
      hash: async (_userId: string, fileId: string) => hashes.get(fileId),
      remove: async (_userId: string, fileId: string) => {
        removed.push(names.get(fileId)!);
        return hashes.delete(fileId);
      },
    },
    settings: { ...defaultStorageSettings(), orphanGraceMs: GRACE_MS },
    logger: pino({ level: 'silent' }),
    activity: () => undefined,
  } as unknown as ReplicationContext;
  const recordOf = (name: string) => records.get([...names].find(([, n]) => n === name)![0]);
  return { ctx, removed, recordOf };
}

describe('Repairer sweep: copies of live files the layout placed elsewhere, with no record here', () => {
  it('records a whole one (the rebalancer then moves it), removes a torn one, and leaves a fresh or recorded one alone', async () => {
    const { ctx, removed, recordOf } = displacedNode({
      whole: { whole: true, ageMs: 5 * GRACE_MS },
      torn: { whole: false, ageMs: 5 * GRACE_MS },
      // Just written: its write's own record may be on its way.
      fresh: { whole: true, ageMs: 0 },
      // Recorded: the rebalancer's walk has it already, torn or not.
      recorded: { whole: false, ageMs: 5 * GRACE_MS, record: true },
    });
    const repairer = new Repairer(ctx);
    await repairer.sweep();
    await repairer.stop();
    expect(recordOf('whole')).toMatchObject({ state: 'stored', size: 100 });
    expect(removed).toEqual(['torn']);
    expect(recordOf('torn')).toBeUndefined();
    expect(recordOf('fresh')).toBeUndefined();
    expect(repairer.stats.orphansRemoved).toBe(1);
  });
});
