import { describe, expect, it } from 'vitest';
import { rowWindow } from './useRowWindow';

describe('rowWindow', () => {
  it('draws the rows in view plus the overscan on each side', () => {
    // 1,000 rows of 40 px from y=200; the viewport shows y=4,200..5,000 → rows 100..120.
    expect(rowWindow(1000, 200, 4200, 800, 40, 10)).toEqual({ start: 90, end: 130 });
  });

  it('clamps at both ends', () => {
    expect(rowWindow(1000, 200, 0, 800, 40, 10)).toEqual({ start: 0, end: 25 });
    expect(rowWindow(1000, 200, 1_000_000, 800, 40, 10)).toEqual({ start: 1000, end: 1000 });
    expect(rowWindow(50, 200, 0, 800, 40, 10)).toEqual({ start: 0, end: 25 });
    expect(rowWindow(0, 0, 0, 800, 40)).toEqual({ start: 0, end: 0 });
  });
});
