import { describe, expect, it } from 'vitest';
import type { FileVersion } from '../../api/versions';
import { formatVersionTime, versionCountText, versionLabels } from './versionText';

const version = (versionId: string, createdAt: string, current = false): FileVersion => ({
  versionId,
  size: 1,
  sha256: 'a'.repeat(64),
  mime: 'text/plain',
  createdAt,
  current,
});

describe('versionLabels', () => {
  it('names versions by their time, and tells two of the same second apart oldest first', () => {
    const labels = versionLabels(
      [version('c', '2026-12-01T09:30:00.000Z', true), version('b', '2026-12-01T08:00:07.400Z'), version('a', '2026-12-01T08:00:07.000Z')],
      'en-GB',
    );
    const time = (iso: string) => formatVersionTime(iso, 'en-GB');
    expect([...labels.entries()].sort()).toEqual([
      ['a', time('2026-12-01T08:00:07.000Z')],
      ['b', `${time('2026-12-01T08:00:07.400Z')} (2)`],
      ['c', time('2026-12-01T09:30:00.000Z')],
    ]);
  });
});

describe('formatVersionTime', () => {
  it('shows the seconds, and the input itself when it is not a date', () => {
    expect(formatVersionTime('2026-12-01T08:00:07.000Z', 'en-GB')).toMatch(/:07(\D|$)/);
    expect(formatVersionTime('not a date')).toBe('not a date');
  });
});

describe('versionCountText', () => {
  it('says how many versions only when there is more than one', () => {
    expect(versionCountText(3)).toBe('3 versions');
    expect(versionCountText(1)).toBeNull();
    expect(versionCountText(undefined)).toBeNull();
  });
});
