import { describe, expect, it } from 'vitest';
import { RecentDeletions } from './recentDeletions';

describe('RecentDeletions', () => {
  it('remembers a deletion for an hour, then forgets it', () => {
    let now = 0;
    const deletions = new RecentDeletions(() => now);
    deletions.remember('u/a');
    expect(deletions.has('u/a')).toBe(true);
    expect(deletions.has('u/b')).toBe(false);
    now = 59 * 60_000;
    expect(deletions.has('u/a')).toBe(true);
    now = 60 * 60_000;
    expect(deletions.has('u/a')).toBe(false);
  });

  it('keeps at most 50,000, dropping the oldest', () => {
    const deletions = new RecentDeletions(() => 0);
    for (let i = 0; i <= 50_000; i++) deletions.remember(`u/${i}`);
    expect(deletions.has('u/0')).toBe(false);
    expect(deletions.has('u/1')).toBe(true);
    expect(deletions.has('u/50000')).toBe(true);
  });
});
