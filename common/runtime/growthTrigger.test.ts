import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startGrowthTrigger } from './growthTrigger';

describe('startGrowthTrigger', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('acts once the measure has grown by the threshold, then counts from what is left', () => {
    let held = 10;
    let acts = 0;
    const stop = startGrowthTrigger({
      intervalMs: 50,
      growth: 100,
      measure: () => held,
      act: () => {
        acts++;
        held = 30; // what a synchronous collection left
      },
    });
    held = 109;
    vi.advanceTimersByTime(50);
    expect(acts).toBe(0);
    held = 110;
    vi.advanceTimersByTime(50);
    expect(acts).toBe(1);
    held = 129; // 99 above the 30 left
    vi.advanceTimersByTime(50);
    expect(acts).toBe(1);
    held = 130;
    vi.advanceTimersByTime(50);
    expect(acts).toBe(2);
    stop();
    held = 10_000;
    vi.advanceTimersByTime(500);
    expect(acts).toBe(2);
  });

  it('counts from the lowest level seen when the measure falls by itself', () => {
    let held = 500;
    let acts = 0;
    const stop = startGrowthTrigger({ intervalMs: 50, growth: 100, measure: () => held, act: () => acts++ });
    held = 20;
    vi.advanceTimersByTime(50);
    held = 119;
    vi.advanceTimersByTime(50);
    expect(acts).toBe(0);
    held = 120;
    vi.advanceTimersByTime(50);
    expect(acts).toBe(1);
    stop();
  });

  it('does not act again while an action that frees later (an incremental GC) has not yet', () => {
    let used = 300;
    let acts = 0;
    const stop = startGrowthTrigger({ intervalMs: 100, growth: 50, measure: () => used, act: () => acts++ });
    used = 350;
    vi.advanceTimersByTime(100);
    expect(acts).toBe(1);
    used = 360;
    vi.advanceTimersByTime(100);
    expect(acts).toBe(1);
    used = 310; // freed now
    vi.advanceTimersByTime(100);
    used = 359;
    vi.advanceTimersByTime(100);
    expect(acts).toBe(1);
    used = 360;
    vi.advanceTimersByTime(100);
    expect(acts).toBe(2);
    stop();
  });
});
