import { describe, expect, it } from 'vitest';
import type { FileVersion } from '../../api/versions';
import { formatVersionTime, versionCountText, versionLabels } from './versionText';

const version = (versionId: string, current = false): FileVersion => ({
  versionId,
  size: 1,
  sha256: 'a'.repeat(64),
  mime: 'text/plain',
  createdAt: '2026-12-01T08:00:00.000Z',
  current,
});

describe('versionLabels', () => {
  it('numbers versions oldest first, the list being newest first', () => {
    const labels = versionLabels([version('c', true), version('b'), version('a')]);
    expect([...labels.entries()]).toEqual([
      ['c', 'Version 3'],
      ['b', 'Version 2'],
      ['a', 'Version 1'],
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
