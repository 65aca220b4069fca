import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it, expect } from 'vitest';
import { HashingMeter } from './hashingMeter';
import { IntegrityError, TooLargeError } from './storageErrors';

function collect(into: Buffer[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      into.push(chunk);
      callback();
    },
  });
}

const chunks = [Buffer.from('hello '), Buffer.from('metered '), Buffer.from('world')];
const total = Buffer.concat(chunks);

describe('HashingMeter', () => {
  it('passes bytes through unchanged while counting and hashing them', async () => {
    const out: Buffer[] = [];
    const meter = new HashingMeter();
    await pipeline(Readable.from(chunks), meter, collect(out));
    expect(Buffer.concat(out)).toEqual(total);
    expect(meter.bytes).toBe(total.length);
    expect(meter.digest()).toBe(createHash('sha256').update(total).digest('hex'));
    expect(meter.digest()).toBe(meter.digest());
  });

  it('allows exactly maxBytes', async () => {
    const meter = new HashingMeter({ maxBytes: total.length });
    await pipeline(Readable.from(chunks), meter, collect([]));
    expect(meter.bytes).toBe(total.length);
  });

  it('fails on the chunk that crosses maxBytes and passes none of it on', async () => {
    const out: Buffer[] = [];
    const meter = new HashingMeter({ maxBytes: total.length - 1 });
    await expect(pipeline(Readable.from(chunks), meter, collect(out))).rejects.toBeInstanceOf(TooLargeError);
    expect(Buffer.concat(out)).toEqual(Buffer.concat(chunks.slice(0, 2)));
  });

  it('fails as soon as more than the expected size arrives', async () => {
    const meter = new HashingMeter({ expectedSize: 7 });
    await expect(pipeline(Readable.from(chunks), meter, collect([]))).rejects.toBeInstanceOf(IntegrityError);
  });
});
