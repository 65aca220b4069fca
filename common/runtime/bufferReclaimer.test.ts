import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startBufferReclaimer } from './bufferReclaimer';

describe('startBufferReclaimer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('collects once buffer memory has grown by the threshold, then measures from what is left', () => {
    let held = 10;
    let collections = 0;
    const stop = startBufferReclaimer({
      intervalMs: 50,
      growthBytes: 100,
      arrayBufferBytes: () => held,
      collect: () => {
        collections++;
        held = 30; // what is still alive after the GC
      },
    });
    held = 109;
    vi.advanceTimersByTime(50);
    expect(collections).toBe(0);
    held = 110;
    vi.advanceTimersByTime(50);
    expect(collections).toBe(1);
    held = 129; // 99 above the 30 left after the collection
    vi.advanceTimersByTime(50);
    expect(collections).toBe(1);
    held = 130;
    vi.advanceTimersByTime(50);
    expect(collections).toBe(2);
    stop();
    held = 10_000;
    vi.advanceTimersByTime(500);
    expect(collections).toBe(2);
  });

  it('measures growth from the lowest level seen when V8 frees buffers by itself', () => {
    let held = 500;
    let collections = 0;
    const stop = startBufferReclaimer({ intervalMs: 50, growthBytes: 100, arrayBufferBytes: () => held, collect: () => collections++ });
    held = 20;
    vi.advanceTimersByTime(50);
    held = 119;
    vi.advanceTimersByTime(50);
    expect(collections).toBe(0);
    held = 120;
    vi.advanceTimersByTime(50);
    expect(collections).toBe(1);
    stop();
  });

  it('does nothing where the process cannot ask for a GC', () => {
    const read = vi.fn(() => 0);
    const stop = startBufferReclaimer({ arrayBufferBytes: read, collect: undefined });
    vi.advanceTimersByTime(1_000);
    expect(read).not.toHaveBeenCalled();
    stop();
  });
});
