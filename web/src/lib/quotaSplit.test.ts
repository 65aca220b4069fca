import { describe, expect, it } from 'vitest';
import { MIN_VISIBLE_PERCENT, quotaSegments, quotaSplitText } from './quotaSplit';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

describe('quotaSegments', () => {
  it('is null without a breakdown, so the bar shows only what is used', () => {
    expect(quotaSegments({ used: MiB, limit: GiB })).toBeNull();
  });

  it('gives each part its share of the quota, files then versions then trash', () => {
    const segments = quotaSegments({ used: 400 * MiB, limit: 1000 * MiB, breakdown: { files: 250 * MiB, versions: 100 * MiB, trash: 50 * MiB } });
    expect(segments).toEqual([
      { key: 'files', label: 'Files', bytes: 250 * MiB, percent: 25 },
      { key: 'versions', label: 'Older versions', bytes: 100 * MiB, percent: 10 },
      { key: 'trash', label: 'Trash', bytes: 50 * MiB, percent: 5 },
    ]);
  });

  it('keeps a tiny part visible and an empty one at zero', () => {
    const segments = quotaSegments({ used: 2048, limit: 5 * GiB, breakdown: { files: 0, versions: 1024, trash: 1024 } })!;
    expect(segments.map((s) => s.percent)).toEqual([0, MIN_VISIBLE_PERCENT, MIN_VISIBLE_PERCENT]);
  });

  it('over quota, the parts share the whole bar instead of running past it', () => {
    const segments = quotaSegments({ used: 3 * GiB, limit: 2 * GiB, breakdown: { files: 1.5 * GiB, versions: 0, trash: 1.5 * GiB } })!;
    expect(segments.map((s) => s.percent)).toEqual([50, 0, 50]);
  });

  it('treats nonsense sizes as nothing rather than drawing NaN', () => {
    const segments = quotaSegments({ used: 1, limit: GiB, breakdown: { files: Number.NaN, versions: -5, trash: 0 } })!;
    expect(segments.map((s) => [s.bytes, s.percent])).toEqual([[0, 0], [0, 0], [0, 0]]);
  });
});

describe('quotaSplitText', () => {
  it('names every part with its size, for screen readers', () => {
    const segments = quotaSegments({ used: 0, limit: GiB, breakdown: { files: 1536, versions: 0, trash: 2 * MiB } })!;
    expect(quotaSplitText(segments)).toBe('files 1.5 KB, older versions 0 B, trash 2 MB');
  });
});
