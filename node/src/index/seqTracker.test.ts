import { describe, it, expect } from 'vitest';
import { SeqTracker } from './seqTracker';

describe('SeqTracker', () => {
  it('moves the mark only through contiguous seqs', () => {
    const tracker = new SeqTracker();
    expect(tracker.add(2)).toBe(true);
    expect(tracker.add(4)).toBe(true);
    expect(tracker.mark).toBe(0);
    expect(tracker.add(1)).toBe(true);
    expect(tracker.mark).toBe(2);
    expect(tracker.pending()).toEqual([4]);
    expect(tracker.max).toBe(4);
    expect(tracker.add(3)).toBe(true);
    expect(tracker.mark).toBe(4);
    expect(tracker.pending()).toEqual([]);
  });

  it('reports duplicates and seqs at or below the mark as seen', () => {
    const tracker = new SeqTracker(3, [5]);
    expect(tracker.add(2)).toBe(false);
    expect(tracker.add(5)).toBe(false);
    expect(tracker.has(4)).toBe(false);
  });

  it('raises the mark and then drains what lies just above it', () => {
    const tracker = new SeqTracker(0, [3, 5, 6, 9]);
    tracker.raiseTo(4);
    expect(tracker.mark).toBe(6);
    expect(tracker.pending()).toEqual([9]);
    tracker.raiseTo(2);
    expect(tracker.mark).toBe(6);
  });
});
