import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { chunksOf } from './chunksOf';

function filled(count: number): { source: PassThrough; written: Buffer[] } {
  const source = new PassThrough();
  const written = Array.from({ length: count }, (_, i) => Buffer.alloc(1024, i));
  for (const chunk of written) source.write(chunk);
  return { source, written };
}

describe('chunksOf', () => {
  it('hands out the very Buffers that were written, where iterating the stream joins them', async () => {
    const { source, written } = filled(8);
    source.end();
    const seen: Buffer[] = [];
    for await (const chunk of chunksOf(source)) seen.push(chunk);
    expect(seen).toHaveLength(written.length);
    seen.forEach((chunk, i) => expect(chunk).toBe(written[i]));

    const joined = filled(8);
    joined.source.end();
    const direct: Buffer[] = [];
    for await (const chunk of joined.source) direct.push(chunk as Buffer);
    expect(direct.length).toBeLessThan(8);
    expect(Buffer.concat(direct)).toEqual(Buffer.concat(joined.written));
  });

  it("passes the source's error on to the loop", async () => {
    const { source } = filled(2);
    const loop = (async () => {
      for await (const chunk of chunksOf(source)) void chunk;
    })();
    source.destroy(new Error('connection reset'));
    await expect(loop).rejects.toThrow('connection reset');
  });

  it('fails the loop when the source is destroyed before its end', async () => {
    const { source } = filled(2);
    const loop = (async () => {
      for await (const chunk of chunksOf(source)) void chunk;
    })();
    source.destroy();
    await expect(loop).rejects.toThrow(/premature close/i);
  });

  it('destroys the source when the loop is left early', async () => {
    const { source } = filled(3);
    for await (const chunk of chunksOf(source)) {
      void chunk;
      break;
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.destroyed).toBe(true);
  });
});
