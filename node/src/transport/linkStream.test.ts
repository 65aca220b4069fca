import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../time/clock';
import { seededRandom } from '../time/random';
import { LinkSimulator } from './linkSimulator';
import { LinkCutError, LinkStream } from './linkStream';

function links(delayMs: number, jitterMs = 0): LinkSimulator {
  return new LinkSimulator({ self: 'a', linkTo: () => ({ delayMs, jitterMs, lossPercent: 0 }), clock: systemClock, random: seededRandom(1) });
}

async function collect(source: Readable, stream: LinkStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(source, stream, async function* (input) {
    for await (const chunk of input) chunks.push(chunk as Buffer);
  });
  return Buffer.concat(chunks);
}

describe('LinkStream', () => {
  it('delivers every byte in order despite jitter, one link delay later', async () => {
    const chunks = Array.from({ length: 50 }, (_, i) => Buffer.alloc(1000, i));
    const started = performance.now();
    const out = await collect(Readable.from(chunks), new LinkStream(links(30, 25), 'b'));
    expect(out.equals(Buffer.concat(chunks))).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(5);
  });

  it('pushes back on the sender once the window is full', async () => {
    const stream = new LinkStream(links(200), 'b', 64 * 1024);
    const accepted: number[] = [];
    // Write 1 MiB without reading: only about one window may be accepted before backpressure.
    for (let i = 0; i < 16; i++) {
      const ok = stream.write(Buffer.alloc(64 * 1024), () => accepted.push(i));
      if (!ok) break;
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(accepted.length).toBeLessThanOrEqual(2);
    stream.destroy();
  });

  it('fails with LinkCutError when the link is partitioned mid-stream', async () => {
    const sim = links(20);
    const source = new Readable({ read() {} });
    const stream = new LinkStream(sim, 'b');
    const done = collect(source, stream);
    source.push(Buffer.alloc(10));
    sim.setFaults({ partitionedFrom: ['b'] });
    await expect(done).rejects.toBeInstanceOf(LinkCutError);
  });
});
