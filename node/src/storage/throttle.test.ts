import { describe, it, expect } from 'vitest';
import { type Pace, throttle } from './throttle';

/** A pace whose sleeps only move its clock forward; records every sleep. */
function fakePace(): Pace & { sleeps: number[]; advance(ms: number): void } {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      sleeps.push(ms);
      now += ms;
    },
  };
}

async function* chunks(sizes: number[]): AsyncGenerator<Buffer> {
  for (const size of sizes) yield Buffer.alloc(size);
}

async function drain(source: AsyncIterable<Buffer>): Promise<number> {
  let total = 0;
  for await (const chunk of source) total += chunk.length;
  return total;
}

describe('throttle', () => {
  it('spreads bytes over time at the given rate', async () => {
    const pace = fakePace();
    const total = await drain(throttle(chunks([1000, 1000, 2000]), 1000, { pace }));
    expect(total).toBe(4000);
    expect(pace.sleeps).toEqual([1000, 1000, 2000]);
    expect(pace.now()).toBe(4000);
  });

  it('does not sleep when the consumer is already slower than the rate', async () => {
    const pace = fakePace();
    async function* slow(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 3; i++) {
        pace.advance(2000);
        yield Buffer.alloc(1000);
      }
    }
    await drain(throttle(slow(), 1000, { pace }));
    expect(pace.sleeps).toEqual([]);
  });

  it('stops when aborted', async () => {
    const pace = fakePace();
    const controller = new AbortController();
    controller.abort();
    await expect(drain(throttle(chunks([10]), 1, { pace, signal: controller.signal }))).rejects.toThrow();
  });

  it('refuses a rate that is not positive', async () => {
    await expect(drain(throttle(chunks([1]), 0))).rejects.toBeInstanceOf(RangeError);
  });
});
