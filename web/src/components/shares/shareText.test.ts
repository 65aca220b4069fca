import { describe, expect, it } from 'vitest';
import type { ClientShare } from '../../api/shares';
import { fromLocalInput, shareSummary, toLocalInput } from './shareText';

const link: ClientShare = {
  id: 'a',
  url: 'http://x/s/t',
  itemId: 'i',
  itemName: 'Holiday',
  kind: 'folder',
  itemParentId: 'root',
  expiresAt: null,
  maxDownloads: 5,
  downloads: 2,
  hasPassword: true,
  uploadOnly: false,
  createdAt: '2026-01-01T00:00:00Z',
  state: 'active',
};

describe('share text', () => {
  it('sums a link up in one line', () => {
    expect(shareSummary(link)).toBe('View and download · password · no expiry · 2 of 5 downloads');
    expect(shareSummary({ ...link, uploadOnly: true, hasPassword: false, maxDownloads: null })).toBe('Upload only · no password · no expiry');
    expect(shareSummary({ ...link, kind: 'file', maxDownloads: null, downloads: 1 })).toBe('Download · password · no expiry · 1 download');
  });

  it('turns datetime-local values into ISO times and back in the browser zone', () => {
    const iso = fromLocalInput('2030-05-06T07:08');
    expect(iso).not.toBeNull();
    expect(toLocalInput(iso)).toBe('2030-05-06T07:08');
    expect(fromLocalInput('')).toBeNull();
    expect(fromLocalInput('not a date')).toBeNull();
    expect(toLocalInput(null)).toBe('');
  });
});
