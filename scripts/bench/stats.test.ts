import { describe, expect, it } from 'vitest';
import { balancedRatio } from './balancedRatio';
import { median, percentile } from './stats';

describe('benchmark statistics', () => {
  it('median: the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([0.79, 1.21, 0.87, 0.94])).toBeCloseTo(0.905, 10);
    expect(median([0.7, 0.63])).toBeCloseTo(0.665, 10);
    expect(median([])).toBeNaN();
  });

  it('percentile: nearest rank', () => {
    const sorted = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(percentile(sorted, 95)).toBe(19);
    expect(percentile(sorted, 50)).toBe(10);
    expect(percentile(sorted, 100)).toBe(20);
  });

  it('balancedRatio: the order penalty of back-to-back pairs cancels in each geometric mean', () => {
    // True ratio 0.9; whichever runs second loses a fifth.
    const { ratio, balanced } = balancedRatio([0.9 * 0.8, 0.9 / 0.8, 0.9 * 0.8, 0.9 / 0.8]);
    expect(balanced.map((b) => Math.round(b * 1000) / 1000)).toEqual([0.9, 0.9]);
    expect(ratio).toBeCloseTo(0.9, 10);
  });
});
