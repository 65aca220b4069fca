import { describe, expect, it } from 'vitest';
import { thinVersions, versionBudget, type ThinnableVersion } from './versionThinning';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
// A Monday at noon UTC, so that day buckets are easy to read.
const NOW = Date.UTC(2026, 10, 30, 12);

/** Versions uploaded `ageMs` before NOW, newest first as the store lists them; the first is current. */
function versions(...ages: number[]): ThinnableVersion[] {
  return ages.map((age, i) => ({ fileId: `v${i}`, at: NOW - age, size: 10 }));
}

describe('version thinning', () => {
  it('keeps every version of the last day', () => {
    const all = versions(0, 1 * HOUR, 2 * HOUR, 5 * HOUR, 23 * HOUR);
    expect(thinVersions(all, NOW, Infinity).remove).toEqual([]);
  });

  it('keeps the newest version of each day for 30 days', () => {
    // Three uploads on the day before yesterday, two on the day before: one each stays.
    const twoDaysAgo = NOW - 2 * DAY;
    const all: ThinnableVersion[] = [
      { fileId: 'current', at: NOW, size: 10 },
      { fileId: 'yesterday-late', at: NOW - DAY - 2 * HOUR, size: 10 },
      { fileId: 'yesterday-early', at: NOW - DAY - 6 * HOUR, size: 10 },
      { fileId: 'before-late', at: twoDaysAgo - HOUR, size: 10 },
      { fileId: 'before-mid', at: twoDaysAgo - 3 * HOUR, size: 10 },
      { fileId: 'before-early', at: twoDaysAgo - 5 * HOUR, size: 10 },
    ];
    expect(thinVersions(all, NOW, Infinity).remove.sort()).toEqual(['before-early', 'before-mid', 'yesterday-early']);
  });

  it('keeps one version a week after 30 days', () => {
    // Daily uploads from 40 to 60 days ago: about one per calendar week stays.
    const ages = [0, ...Array.from({ length: 21 }, (_, i) => (40 + i) * DAY)];
    const { remove } = thinVersions(versions(...ages), NOW, Infinity);
    const kept = 21 - remove.length;
    expect(kept).toBeGreaterThanOrEqual(3);
    expect(kept).toBeLessThanOrEqual(4);
  });

  it('never thins the current content, however old', () => {
    expect(thinVersions(versions(400 * DAY), NOW, 0).remove).toEqual([]);
  });

  it('lets the oldest go first when older versions exceed the budget', () => {
    const all = versions(0, HOUR, 2 * HOUR, 3 * HOUR); // three older versions of 10 bytes
    const { remove, keptBytes } = thinVersions(all, NOW, 15);
    expect(remove).toEqual(['v3', 'v2']);
    expect(keptBytes).toBe(10);
  });

  it('gives older versions half of the free quota, not counting themselves', () => {
    expect(versionBudget({ used: 60, limit: 100, versionBytes: 20 })).toBe(30);
    expect(versionBudget({ used: 120, limit: 100, versionBytes: 0 })).toBe(0);
  });

  it('is stable from one day to the next: a kept daily version stays kept', () => {
    const all = versions(0, 3 * DAY, 3 * DAY + 2 * HOUR, 10 * DAY);
    const today = thinVersions(all, NOW, Infinity).remove;
    const remaining = all.filter((version) => !today.includes(version.fileId));
    expect(thinVersions(remaining, NOW + DAY, Infinity).remove).toEqual([]);
  });
});
