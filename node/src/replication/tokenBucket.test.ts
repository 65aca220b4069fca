import { describe, expect, it } from 'vitest';
import { FakeClock } from '../time/fakeClock';
import { TokenBucket } from './tokenBucket';
import { paceOf, runFor, settle } from './testPace';

const KiB = 1024;
const MiB = 1024 * KiB;

async function* chunks(count: number, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < count; i++) yield Buffer.alloc(size);
}

describe('TokenBucket', () => {
  it('holds three pulls at once to one byte rate: by any time t at most rate·t + burst bytes passed, and each gets its share', async () => {
    const clock = new FakeClock();
    const start = clock.now();
    const rate = 1 * MiB;
    const burst = 256 * KiB;
    const bucket = new TokenBucket(rate, { burst, pace: paceOf(clock) });
    const passed = [0, 0, 0];
    const samples: Array<{ at: number; total: number; each: number[] }> = [];
    let finished = 0;
    for (const [i] of passed.entries()) {
      void (async () => {
        for await (const chunk of bucket.meter(chunks(40, 64 * KiB))) {
          passed[i]! += chunk.length;
          samples.push({ at: clock.now() - start, total: passed.reduce((a, b) => a + b, 0), each: [...passed] });
        }
        finished++;
      })();
    }
    const took = await runFor(clock, () => finished === 3, 60_000);

    const total = 3 * 40 * 64 * KiB;
    for (const { at, total: sofar } of samples) expect(sofar).toBeLessThanOrEqual((rate * at) / 1000 + burst);
    // The last chunk passes as soon as the budget allows it, not later: 7.25 s for 7.5 MiB at 1 MiB/s.
    expect(took).toBeGreaterThanOrEqual(((total - burst) / rate) * 1000 - 10);
    expect(took).toBeLessThanOrEqual(((total - burst) / rate) * 1000 + 20);
    // Served in the order they asked: halfway through, each pull has had a third, give or take a chunk.
    const half = samples.find((s) => s.total >= total / 2)!;
    for (const mine of half.each) expect(Math.abs(mine - total / 6)).toBeLessThanOrEqual(2 * 64 * KiB);
  });

  it('does not wait while callers stay under the rate, and lets a burst through at once', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(1000, { burst: 100, pace: paceOf(clock) });
    let done = false;
    void bucket.take(100).then(() => (done = true));
    await settle();
    expect(done).toBe(true);
    for (let i = 0; i < 10; i++) {
      clock.advance(100);
      let passed = false;
      void bucket.take(100).then(() => (passed = true));
      await settle();
      expect(passed).toBe(true);
    }
    expect(clock.pending()).toBe(0);
  });

  it('makes a take larger than the burst wait for what it costs', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(1000, { burst: 100, pace: paceOf(clock) });
    let done = false;
    void bucket.take(1100).then(() => (done = true));
    expect(await runFor(clock, () => done, 5_000)).toBe(1000);
  });

  it('stops waiting when aborted', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(10, { burst: 0, pace: paceOf(clock) });
    const controller = new AbortController();
    const waiting = bucket.take(100, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toThrow();
    expect(clock.pending()).toBe(0);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new TokenBucket(0)).toThrow(RangeError);
    expect(() => new TokenBucket(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});
