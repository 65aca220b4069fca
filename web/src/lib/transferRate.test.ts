import { describe, expect, it } from 'vitest';
import { formatDuration, TransferRate } from './transferRate';

describe('TransferRate', () => {
  it('measures over the recent window, not since the start', () => {
    const rate = new TransferRate(2_000);
    rate.sample(0, 0);
    expect(rate.bytesPerSecond()).toBeNull();
    // 1 MB/s for 10 s, then 4 MB/s.
    for (let t = 1; t <= 10; t++) rate.sample(t * 1000, t * 1_000_000);
    for (let t = 11; t <= 14; t++) rate.sample(t * 1000, 10_000_000 + (t - 10) * 4_000_000);
    expect(rate.bytesPerSecond()).toBeCloseTo(4_000_000, -3);
    expect(rate.secondsLeft(26_000_000 + 8_000_000)).toBeCloseTo(2, 5);
  });

  it('starts over when the count goes back (a retry from an earlier offset) or after a reset', () => {
    const rate = new TransferRate();
    rate.sample(0, 0);
    rate.sample(1000, 5_000);
    rate.sample(2000, 1_000);
    expect(rate.bytesPerSecond()).toBeNull();
    rate.sample(3000, 3_000);
    expect(rate.bytesPerSecond()).toBe(2_000);
    rate.reset();
    expect(rate.secondsLeft(10_000)).toBeNull();
  });

  it('says nothing about time left while stalled', () => {
    const rate = new TransferRate();
    rate.sample(0, 100);
    rate.sample(1000, 100);
    expect(rate.secondsLeft(1000)).toBeNull();
  });
});

describe('formatDuration', () => {
  it('reads as people say it', () => {
    expect(formatDuration(0.2)).toBe('1 s');
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(150)).toBe('3 min');
    expect(formatDuration(3600)).toBe('1 h');
    expect(formatDuration(3900)).toBe('1 h 5 min');
  });
});
