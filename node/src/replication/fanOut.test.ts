import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { FanOut } from './fanOut';

function sink(delayMs = 0, failAfter = Infinity): { stream: Writable; bytes: () => number } {
  let received = 0;
  const stream = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _enc, callback) {
      received += chunk.length;
      if (received > failAfter) return callback(new Error('replica died'));
      setTimeout(callback, delayMs);
    },
  });
  return { stream, bytes: () => received };
}

const source = (chunks: number, size: number) => Readable.from(Array.from({ length: chunks }, (_, i) => Buffer.alloc(size, i)));

describe('FanOut', () => {
  it('delivers every byte to every destination, also when consumers start reading late', async () => {
    const fan = new FanOut(['a', 'b']);
    const a = sink();
    const b = sink(1);
    const done = pipeline(source(40, 4096), fan);
    await new Promise((r) => setTimeout(r, 20));
    await Promise.all([done, pipeline(fan.branch('a'), a.stream), pipeline(fan.branch('b'), b.stream)]);
    expect(a.bytes()).toBe(40 * 4096);
    expect(b.bytes()).toBe(40 * 4096);
  });

  it('goes on with the others when one destination fails mid-stream', async () => {
    const fan = new FanOut(['ok', 'dies']);
    const ok = sink();
    const dies = sink(0, 10_000);
    const failed = pipeline(fan.branch('dies'), dies.stream).then(
      () => 'finished',
      () => 'failed',
    );
    await Promise.all([pipeline(source(100, 4096), fan), pipeline(fan.branch('ok'), ok.stream)]);
    expect(await failed).toBe('failed');
    expect(ok.bytes()).toBe(100 * 4096);
  });

  it('keeps memory bounded: the source waits for the slowest destination', async () => {
    const fan = new FanOut(['slow']);
    let produced = 0;
    const slow = sink(5);
    const producer = new Readable({
      read() {
        produced += 64 * 1024;
        this.push(produced > 64 * 1024 * 200 ? null : Buffer.alloc(64 * 1024));
      },
    });
    const done = Promise.all([pipeline(producer, fan), pipeline(fan.branch('slow'), slow.stream)]);
    await new Promise((r) => setTimeout(r, 100));
    // In 100 ms the slow sink takes ~20 chunks; unbounded buffering would have read all 200.
    expect(produced - slow.bytes()).toBeLessThan(2 * 1024 * 1024);
    await done;
  });

  it('a fan-out destroyed before its consumers start reading raises no unhandled error', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const fan = new FanOut(['late']);
      const branch = fan.branch('late');
      const upload = pipeline(source(1, 10), fan).catch((error: Error) => error.message);
      // What the coordinator's abort does when the client goes away.
      fan.destroy(new Error('client went away'));
      expect(await upload).toBe('client went away');
      await new Promise((r) => setTimeout(r, 20));
      // The consumer that starts afterwards still learns of the failure.
      await expect(pipeline(branch, sink().stream)).rejects.toThrow();
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(uncaught).toEqual([]);
  });
});
