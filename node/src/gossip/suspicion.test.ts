import { describe, expect, test } from 'vitest';
import { FakeClock } from '../time/fakeClock';
import { Suspicion, suspicionTimeoutMs } from './suspicion';
import { suspicionBounds, wanSwimConfig } from './swimConfig';

function make(k: number, min = 1_000, max = 6_000) {
  const clock = new FakeClock();
  const fired: number[] = [];
  const s = new Suspicion({ from: 'a', k, minMs: min, maxMs: max, clock, onTimeout: (n) => fired.push(n) });
  return { clock, fired, s };
}

describe('Suspicion', () => {
  test('the timeout falls from max to min as confirmations reach k', () => {
    expect(suspicionTimeoutMs(0, 3, 1_000, 6_000)).toBe(6_000);
    expect(suspicionTimeoutMs(1, 3, 1_000, 6_000)).toBe(3_500);
    expect(suspicionTimeoutMs(3, 3, 1_000, 6_000)).toBe(1_000);
    expect(suspicionTimeoutMs(0, 0, 1_000, 6_000)).toBe(1_000);
  });

  test('without confirmations it fires once, at max', () => {
    const { clock, fired } = make(1);
    clock.advance(5_999);
    expect(fired).toEqual([]);
    clock.advance(1);
    expect(fired).toEqual([0]);
    clock.advance(60_000);
    expect(fired).toEqual([0]);
  });

  test('a new confirmation shortens the remaining time; repeats and the originator do not count', () => {
    const { clock, fired, s } = make(1);
    clock.advance(400);
    expect(s.confirm('a')).toBe(false);
    expect(s.confirm('b')).toBe(true);
    expect(s.confirm('b')).toBe(false);
    expect(s.confirm('c')).toBe(false); // k reached
    expect(s.remainingMs()).toBe(600);
    clock.advance(599);
    expect(fired).toEqual([]);
    clock.advance(1);
    expect(fired).toEqual([1]);
  });

  test('a confirmation arriving after the new timeout fires at once, through the clock', () => {
    const { clock, fired, s } = make(1);
    clock.advance(2_000);
    s.confirm('b');
    expect(fired).toEqual([]);
    clock.advance(0);
    expect(fired).toEqual([1]);
  });

  test('cancel stops it', () => {
    const { clock, fired, s } = make(3);
    s.cancel();
    clock.advance(10_000);
    expect(fired).toEqual([]);
    expect(s.confirm('b')).toBe(false);
  });
});

describe('suspicionBounds', () => {
  test('the minimum grows with the round trip of the link to the suspect and with log10(n)', () => {
    const wan = wanSwimConfig();
    // 1 s + 2 round trips: eu-west↔asia (230 ms) is the longest wan link.
    expect(suspicionBounds(wan, 3, 230)).toEqual({ minMs: 1_460, maxMs: 6_000, k: 1 });
    expect(suspicionBounds(wan, 3, 80).minMs).toBe(1_160);
    // Unmeasured: the probe timeout ceiling stands in for the round trip.
    expect(suspicionBounds(wan, 3).minMs).toBe(3_000);
    // 1,000 nodes: everything × 3, and k capped by the config.
    expect(suspicionBounds(wan, 1_000, 80)).toEqual({ minMs: 3_480, maxMs: 18_000, k: 3 });
    // Never a maximum below the minimum.
    expect(suspicionBounds({ ...wan, suspicionMaxMs: 1_000 }, 3, 230).maxMs).toBe(1_460);
  });
});
