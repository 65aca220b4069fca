import { describe, it, expect } from 'vitest';
import type { Clock } from '../time/clock';
import { FakeClock } from '../time/fakeClock';
import { HybridClock, compareHlc } from './hlc';

/** A clock whose wall time a test can set anywhere, backwards included. */
function settableClock(start: number): Clock & { set(ms: number): void } {
  const inner = new FakeClock(start);
  let wall = start;
  return {
    now: () => wall,
    setTimeout: (fn, ms) => inner.setTimeout(fn, ms),
    clearTimeout: (handle) => inner.clearTimeout(handle),
    set: (ms) => {
      wall = ms;
    },
  };
}

describe('compareHlc', () => {
  it('orders by wall, then counter, then node', () => {
    expect(compareHlc({ wall: 1, counter: 9, node: 'z' }, { wall: 2, counter: 0, node: 'a' })).toBeLessThan(0);
    expect(compareHlc({ wall: 2, counter: 1, node: 'a' }, { wall: 2, counter: 0, node: 'z' })).toBeGreaterThan(0);
    expect(compareHlc({ wall: 2, counter: 1, node: 'a' }, { wall: 2, counter: 1, node: 'b' })).toBeLessThan(0);
    expect(compareHlc({ wall: 2, counter: 1, node: 'b' }, { wall: 2, counter: 1, node: 'a' })).toBeGreaterThan(0);
    expect(compareHlc({ wall: 2, counter: 1, node: 'a' }, { wall: 2, counter: 1, node: 'a' })).toBe(0);
  });
});

describe('HybridClock', () => {
  it('follows the wall clock while it moves forward', () => {
    const clock = settableClock(1_000);
    const hlc = new HybridClock('a', clock);
    expect(hlc.now()).toEqual({ wall: 1_000, counter: 0, node: 'a' });
    clock.set(1_500);
    expect(hlc.now()).toEqual({ wall: 1_500, counter: 0, node: 'a' });
  });

  it('stays monotonic when the wall clock stalls or goes backwards', () => {
    const clock = settableClock(10_000);
    const hlc = new HybridClock('a', clock);
    const stamps = [hlc.now(), hlc.now()];
    clock.set(5_000);
    stamps.push(hlc.now(), hlc.now());
    clock.set(10_000);
    stamps.push(hlc.now());
    clock.set(10_001);
    stamps.push(hlc.now());
    for (let i = 1; i < stamps.length; i++) expect(compareHlc(stamps[i - 1]!, stamps[i]!)).toBeLessThan(0);
    expect(stamps[3]).toEqual({ wall: 10_000, counter: 3, node: 'a' });
  });

  it('orders its next stamp after an observed remote stamp', () => {
    const clock = settableClock(1_000);
    const hlc = new HybridClock('a', clock);
    const remote = { wall: 31_000, counter: 7, node: 'b' };
    expect(hlc.observe(remote)).toBe(true);
    const next = hlc.now();
    expect(compareHlc(next, remote)).toBeGreaterThan(0);
    expect(next).toEqual({ wall: 31_000, counter: 8, node: 'a' });
  });

  it('ignores an observed stamp older than its own', () => {
    const clock = settableClock(5_000);
    const hlc = new HybridClock('a', clock);
    hlc.now();
    expect(hlc.observe({ wall: 1_000, counter: 50, node: 'b' })).toBe(true);
    expect(hlc.now()).toEqual({ wall: 5_000, counter: 1, node: 'a' });
  });

  it('refuses to be dragged more than maxDriftMs into the future', () => {
    const clock = settableClock(1_000);
    const hlc = new HybridClock('a', clock, 60_000);
    expect(hlc.observe({ wall: 1_000 + 60_001, counter: 0, node: 'b' })).toBe(false);
    expect(hlc.rejectedDrift).toBe(1);
    expect(hlc.now().wall).toBe(1_000);
    expect(hlc.observe({ wall: 1_000 + 60_000, counter: 0, node: 'b' })).toBe(true);
    expect(hlc.now().wall).toBe(61_000);
  });

  it('breaks ties between nodes that stamp the same instant by node id', () => {
    const clock = settableClock(1_000);
    const a = new HybridClock('a', clock).now();
    const b = new HybridClock('b', clock).now();
    expect(a.wall).toBe(b.wall);
    expect(a.counter).toBe(b.counter);
    expect(compareHlc(a, b)).toBeLessThan(0);
  });
});
