import { describe, expect, test } from 'vitest';
import { RttEstimator } from './rttEstimator';
import { seededRandom } from '../time/random';

describe('RttEstimator', () => {
  test('before any sample: no rtt, the maximum timeout', () => {
    const e = new RttEstimator({ minTimeoutMs: 100, maxTimeoutMs: 1_000 });
    expect(e.rttMs('x')).toBeUndefined();
    expect(e.timeoutMs('x')).toBe(1_000);
  });

  test('first sample: SRTT = R, RTTVAR = R/2 (RFC 6298)', () => {
    const e = new RttEstimator({ minTimeoutMs: 10, maxTimeoutMs: 10_000 });
    e.sample('x', 200);
    expect(e.rttMs('x')).toBe(200);
    expect(e.timeoutMs('x')).toBe(600);
  });

  test('converges on a jittery link to a timeout just above its worst round trip', () => {
    const e = new RttEstimator({ minTimeoutMs: 100, maxTimeoutMs: 1_000 });
    const random = seededRandom(3);
    // eu-west <-> asia: 115 ± 10 ms each way.
    for (let i = 0; i < 200; i++) e.sample('asia', 230 + (random() * 2 - 1) * 10 + (random() * 2 - 1) * 10);
    expect(e.rttMs('asia')!).toBeGreaterThan(220);
    expect(e.rttMs('asia')!).toBeLessThan(240);
    expect(e.timeoutMs('asia')).toBeGreaterThan(245);
    expect(e.timeoutMs('asia')).toBeLessThan(300);
  });

  test('clamps to min and max, and ignores nonsense', () => {
    const e = new RttEstimator({ minTimeoutMs: 100, maxTimeoutMs: 1_000 });
    for (let i = 0; i < 50; i++) e.sample('near', 1);
    expect(e.timeoutMs('near')).toBe(100);
    for (let i = 0; i < 50; i++) e.sample('far', 5_000);
    expect(e.timeoutMs('far')).toBe(1_000);
    e.sample('near', Number.NaN);
    e.sample('near', -5);
    expect(e.rttMs('near')!).toBeCloseTo(1, 5);
  });
});
