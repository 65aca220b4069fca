import { describe, expect, it } from 'vitest';
import type { ReplicaRecord } from '../api/files';
import { recordOwnCopy } from './ownCopyRecord';

const USER = '3f1c2a9e-8b7d-4c6e-9f0a-1b2c3d4e5f60';
const FILE = '9d2b6c1e-4f3a-4b8d-a7e6-5c4b3a291807';
const STORED = { sha256: 'a'.repeat(64), size: 10 };

/** A node's catalog and blob store, as far as recording a copy goes, with one blob on disk. */
function node(deleted: boolean) {
  const records = new Map<string, ReplicaRecord>();
  const blobs = new Set([FILE]);
  const ctx = {
    catalog: {
      isDeleted: () => deleted,
      setOwnReplica: async (_userId: string, fileId: string, state: ReplicaRecord['state'], stored?: { sha256: string; size: number }) => {
        records.set(fileId, { state, ...stored, at: new Date().toISOString() });
      },
      clearOwnReplica: async (_userId: string, fileId: string) => void records.delete(fileId),
    },
    blobs: { remove: async (_userId: string, fileId: string) => blobs.delete(fileId) },
  };
  return { ctx: ctx as unknown as Parameters<typeof recordOwnCopy>[0], records, blobs };
}

describe('recording a copy written after its upload was answered', () => {
  it('records the copy of a live file as stored and keeps its blob', async () => {
    const { ctx, records, blobs } = node(false);
    await recordOwnCopy(ctx, USER, FILE, STORED);
    expect(records.get(FILE)).toMatchObject({ state: 'stored', ...STORED });
    expect(blobs.has(FILE)).toBe(true);
  });

  it('removes the copy and its record when the file was deleted while the bytes were being written', async () => {
    const { ctx, records, blobs } = node(true);
    await recordOwnCopy(ctx, USER, FILE, STORED);
    expect(blobs.has(FILE)).toBe(false);
    expect(records.has(FILE)).toBe(false);
  });
});
