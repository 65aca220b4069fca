import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startBufferReclaimer } from './bufferReclaimer';
import { startOldSpaceReclaimer } from './oldSpaceReclaimer';

/** Both reclaimers: a measure and a collection wired to startGrowthTrigger (growthTrigger.test.ts). */
const reclaimers = [
  { name: 'buffer', start: (measure: () => number, collect?: () => void) => startBufferReclaimer({ intervalMs: 10, growthBytes: 100, arrayBufferBytes: measure, collect }) },
  { name: 'old space', start: (measure: () => number, collect?: () => void) => startOldSpaceReclaimer({ intervalMs: 10, growthBytes: 100, oldSpaceBytes: measure, collect }) },
];

describe.each(reclaimers)('the $name reclaimer', ({ start }) => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('collects once what it watches has grown by its threshold', () => {
    let bytes = 0;
    const collect = vi.fn();
    const stop = start(() => bytes, collect);
    bytes = 99;
    vi.advanceTimersByTime(10);
    expect(collect).not.toHaveBeenCalled();
    bytes = 100;
    vi.advanceTimersByTime(10);
    expect(collect).toHaveBeenCalledTimes(1);
    stop();
  });

  it('does nothing where the process cannot ask for a GC', () => {
    const read = vi.fn(() => 0);
    const stop = start(read, undefined);
    vi.advanceTimersByTime(1_000);
    expect(read).not.toHaveBeenCalled();
    stop();
  });
});
