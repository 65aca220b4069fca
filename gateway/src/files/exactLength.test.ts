import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { exactLength } from './exactLength';

function relay(chunks: Buffer[], length: number): Promise<Buffer> {
  const out: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      out.push(chunk);
      callback();
    },
  });
  return pipeline(Readable.from(chunks), exactLength(length), sink).then(() => Buffer.concat(out));
}

describe('exactLength', () => {
  it('passes a stream of exactly the announced length through unchanged', async () => {
    expect((await relay([Buffer.from('abc'), Buffer.from('defg')], 7)).toString()).toBe('abcdefg');
    expect((await relay([], 0)).length).toBe(0);
  });

  it('fails a stream that ends short, or runs long', async () => {
    await expect(relay([Buffer.from('abc')], 7)).rejects.toThrow('ended after 3 of 7 bytes');
    await expect(relay([Buffer.from('abcdefgh')], 7)).rejects.toThrow('more than the 7 bytes');
  });
});
