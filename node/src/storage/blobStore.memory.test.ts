import { createHash } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, it, expect } from 'vitest';
import { FILE, tempStore, type TempStore, USER } from './testSupport';

// Its own file so it runs in its own worker, away from other tests' allocations.
let t: TempStore;
beforeEach(async () => {
  t = await tempStore('geovault-blobstore-memory-');
});
afterEach(async () => {
  await t.cleanup();
});

const MiB = 1024 * 1024;

// Collecting garbage as we go makes RSS show what is retained, not when V8 last felt like a GC.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('BlobStore.write memory', () => {
  it('streams 50 MiB with flat memory', async () => {
    const total = 50 * MiB;
    const expected = createHash('sha256');
    // Fresh buffers each time, so an implementation that kept chunks would really grow.
    async function* generate(): AsyncGenerator<Buffer> {
      for (let i = 0; i < total / (64 * 1024); i++) {
        if (i % 64 === 0) gc();
        const chunk = Buffer.alloc(64 * 1024, i % 256);
        expected.update(chunk);
        yield chunk;
      }
    }
    gc();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    try {
      const result = await t.store.write(USER, FILE, generate(), { expectedSize: total });
      expect(result).toEqual({ size: total, sha256: expected.digest('hex') });
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, process.memoryUsage().rss);
    // A whole-file buffer would add at least 50 MiB; garbage between GCs stays well below that.
    expect((peak - before) / MiB).toBeLessThan(25);
    expect(await t.store.stat(USER, FILE)).toEqual({ size: total });
  });
});
