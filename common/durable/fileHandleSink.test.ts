import { mkdtemp, open, readFile, rm, type FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileHandleSink } from './fileHandleSink';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'geovault-sink-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The real handle, with its fdatasyncs counted (and failed on demand). */
function watched(handle: FileHandle, fail?: Error): { handle: FileHandle; datasyncs: () => number } {
  let count = 0;
  const datasync = handle.datasync.bind(handle);
  handle.datasync = async () => {
    count++;
    if (fail) throw fail;
    return datasync();
  };
  return { handle, datasyncs: () => count };
}

const mib = (n: number) => Array.from({ length: n * 16 }, (_, i) => Buffer.alloc(64 * 1024, i));

describe('fileHandleSink', () => {
  it('writes every byte and leaves the handle open for fsync', async () => {
    const file = path.join(root, 'f');
    const handle = await open(file, 'wx');
    const parts = [Buffer.alloc(100_000, 1), Buffer.from('tail')];
    await pipeline(Readable.from(parts), fileHandleSink(handle));
    await handle.sync();
    await handle.close();
    // equals(), not toEqual: vitest compares Buffers byte by byte as objects, a minute for 8 MiB.
    expect((await readFile(file)).equals(Buffer.concat(parts))).toBe(true);
  });

  it('flushes in the background while it writes, not only at the end', async () => {
    const file = path.join(root, 'f');
    const { handle, datasyncs } = watched(await open(file, 'wx'));
    const parts = mib(8);
    const sink = fileHandleSink(handle, { flushEveryBytes: 1024 * 1024 });
    await pipeline(Readable.from(parts), sink);
    await sink.settled();
    // One flush at a time: at least one ran while 8 MiB went by in 1 MiB steps, at most eight.
    expect(datasyncs()).toBeGreaterThanOrEqual(1);
    expect(datasyncs()).toBeLessThanOrEqual(8);
    await handle.close();
    expect((await readFile(file)).equals(Buffer.concat(parts))).toBe(true);
  });

  it('does not flush on its own when told not to, nor for a file below the step', async () => {
    for (const [flushEveryBytes, size] of [[0, 8], [16 * 1024 * 1024, 8]] as const) {
      const { handle, datasyncs } = watched(await open(path.join(root, `f-${flushEveryBytes}`), 'wx'));
      await pipeline(Readable.from(mib(size)), fileHandleSink(handle, { flushEveryBytes }));
      expect(datasyncs()).toBe(0);
      await handle.close();
    }
  });

  it('reports a failed background flush as a failed write', async () => {
    const { handle } = watched(await open(path.join(root, 'f'), 'wx'), Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
    const sink = fileHandleSink(handle, { flushEveryBytes: 64 * 1024 });
    // The failure either stops a later write or waits in settled(): never lost.
    const written = pipeline(Readable.from(mib(4)), sink).then(() => sink.settled());
    await expect(written).rejects.toMatchObject({ code: 'EIO' });
    await handle.close();
  });
});
