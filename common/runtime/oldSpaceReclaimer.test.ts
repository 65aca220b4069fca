import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startOldSpaceReclaimer } from './oldSpaceReclaimer';

describe('startOldSpaceReclaimer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('asks for a full GC once the old generation has grown by the threshold since its low', () => {
    let used = 500;
    let collections = 0;
    const stop = startOldSpaceReclaimer({ intervalMs: 100, growthBytes: 50, oldSpaceBytes: () => used, collect: () => collections++ });
    used = 300; // V8 collected by itself: the new low
    vi.advanceTimersByTime(100);
    used = 349;
    vi.advanceTimersByTime(100);
    expect(collections).toBe(0);
    used = 350;
    vi.advanceTimersByTime(100);
    expect(collections).toBe(1);
    // Not again while the (incremental) collection has not freed anything yet.
    used = 360;
    vi.advanceTimersByTime(100);
    expect(collections).toBe(1);
    used = 310; // what it left
    vi.advanceTimersByTime(100);
    used = 359;
    vi.advanceTimersByTime(100);
    expect(collections).toBe(1);
    used = 360;
    vi.advanceTimersByTime(100);
    expect(collections).toBe(2);
    stop();
    used = 10_000;
    vi.advanceTimersByTime(1_000);
    expect(collections).toBe(2);
  });

  it('does nothing where the process cannot ask for a GC', () => {
    const read = vi.fn(() => 0);
    const stop = startOldSpaceReclaimer({ oldSpaceBytes: read, collect: undefined });
    vi.advanceTimersByTime(5_000);
    expect(read).not.toHaveBeenCalled();
    stop();
  });
});
