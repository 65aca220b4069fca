import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { FileEntry } from '../api/files';
import { FakeClock } from '../time/fakeClock';
import { defaultStorageSettings, type ReplicationContext } from './replicationContext';
import { Scrubber } from './scrubber';
import { paceOf, runFor } from './testPace';

const MiB = 1024 * 1024;
const USER = '3f1c2a9e-8b7d-4c6e-9f0a-1b2c3d4e5f60';

/** A node holding `count` stored replicas of `size` bytes, kept in memory; `rotten` ones do not match their hash. */
function node(count: number, size: number, budgets: { bytesPerSecond: number; filesPerSecond: number }, rotten = new Set<number>()) {
  const files = Array.from({ length: count }, (_, i) => {
    const data = crypto.randomBytes(size);
    const fileId: string = crypto.randomUUID();
    const entry: FileEntry = {
      fileId,
      ownerId: USER,
      name: `f${i}.bin`,
      size,
      sha256: crypto.createHash('sha256').update(rotten.has(i) ? Buffer.from('other') : data).digest('hex'),
      mime: 'application/octet-stream',
      createdAt: new Date(0).toISOString(),
      deleted: false,
    };
    return { fileId, data, entry };
  });
  const byId = new Map<string, (typeof files)[number]>(files.map((f) => [f.fileId, f]));
  const marked: Array<{ fileId: string; state: string }> = [];
  const repairs: string[] = [];
  const ctx = {
    catalog: {
      async *walkOwnReplicas() {
        for (const { fileId } of files) yield { userId: USER, fileId, record: { state: 'stored', at: new Date(0).toISOString() } };
      },
      entry: (_userId: string, fileId: string) => byId.get(fileId)?.entry,
      setOwnReplica: async (_userId: string, fileId: string, state: string) => void marked.push({ fileId, state }),
    },
    blobs: {
      // Read in 1 MiB pieces, as BlobStore does.
      open: async (_userId: string, fileId: string) => {
        const { data } = byId.get(fileId)!;
        const pieces = Array.from({ length: Math.ceil(data.length / MiB) }, (_, i) => data.subarray(i * MiB, (i + 1) * MiB));
        return { stream: Readable.from(pieces) };
      },
    },
    settings: { ...defaultStorageSettings(), scrubBytesPerSecond: budgets.bytesPerSecond, scrubFilesPerSecond: budgets.filesPerSecond },
    logger: pino({ level: 'silent' }),
  } as unknown as ReplicationContext;
  return { ctx, files, marked, repairs, repairer: { requestRepair: (entry: FileEntry) => void repairs.push(entry.fileId) } };
}

async function timedPass(clock: FakeClock, scrubber: Scrubber): Promise<number> {
  let done = false;
  const pass = scrubber.pass().then(() => (done = true));
  const took = await runFor(clock, () => done, 120_000);
  await pass;
  return took;
}

describe('Scrubber budgets (fake clock)', () => {
  it('reads many small files no faster than its files-per-second budget', async () => {
    const clock = new FakeClock();
    const { ctx, repairer } = node(200, 1024, { bytesPerSecond: 64 * MiB, filesPerSecond: 50 });
    const scrubber = new Scrubber(ctx, repairer, { pace: paceOf(clock) });
    const took = await timedPass(clock, scrubber);
    expect(scrubber.stats.checked).toBe(200);
    // 200 files at 50/s, 5 of them at once (a tenth of a second's burst): 3.9 s.
    expect(took).toBeGreaterThanOrEqual(3_880);
    expect(took).toBeLessThanOrEqual(4_000);
  });

  it('holds the bytes of a whole pass, across files, to its bytes-per-second budget', async () => {
    const clock = new FakeClock();
    const { ctx, repairer } = node(20, 1 * MiB, { bytesPerSecond: 4 * MiB, filesPerSecond: 1000 });
    const scrubber = new Scrubber(ctx, repairer, { pace: paceOf(clock) });
    const took = await timedPass(clock, scrubber);
    expect(scrubber.stats.bytesRead).toBe(20 * MiB);
    // 20 MiB at 4 MiB/s, the first 1 MiB at once: 4.75 s.
    expect(took).toBeGreaterThanOrEqual(4_700);
    expect(took).toBeLessThanOrEqual(4_900);
  });

  it('marks a replica whose hash does not match corrupt and hands it to the repairer', async () => {
    const clock = new FakeClock();
    const { ctx, files, marked, repairs, repairer } = node(10, 4096, { bytesPerSecond: 64 * MiB, filesPerSecond: 1000 }, new Set([3, 7]));
    const scrubber = new Scrubber(ctx, repairer, { pace: paceOf(clock) });
    await timedPass(clock, scrubber);
    expect(scrubber.stats.corruptFound).toBe(2);
    expect(marked).toEqual([3, 7].map((i) => ({ fileId: files[i]!.fileId, state: 'corrupt' })));
    expect(repairs).toEqual([files[3]!.fileId, files[7]!.fileId]);
  });
});
