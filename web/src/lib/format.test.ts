// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { formatBytes, formatDateTime, quotaView } from './format';

const GiB = 1024 ** 3;

describe('formatBytes', () => {
  it('uses binary multiples with short names and drops a trailing .0', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1 KB');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(90_000)).toBe('88 KB');
    expect(formatBytes(5 * GiB)).toBe('5 GB');
    expect(formatBytes(2.25 * 1024 ** 4)).toBe('2.3 TB');
  });

  it('shows a dash for nonsense instead of NaN', () => {
    expect(formatBytes(-1)).toBe('–');
    expect(formatBytes(Number.NaN)).toBe('–');
  });
});

describe('quotaView', () => {
  it('describes use in words and a clamped percentage', () => {
    expect(quotaView(0, 5 * GiB)).toEqual({ percent: 0, text: '0 B of 5 GB used (0 %)', nearlyFull: false });
    expect(quotaView(GiB, 4 * GiB)).toMatchObject({ percent: 25, text: '1 GB of 4 GB used (25 %)' });
    expect(quotaView(6 * GiB, 5 * GiB).percent).toBe(100);
  });

  it('never shows a used quota as 0 %', () => {
    expect(quotaView(10, 5 * GiB).text).toBe('10 B of 5 GB used (<1 %)');
  });

  it('flags a quota that is 90 % used or more, so the text says so and not only the colour', () => {
    expect(quotaView(0.89 * GiB, GiB).nearlyFull).toBe(false);
    expect(quotaView(0.9 * GiB, GiB).nearlyFull).toBe(true);
  });
});

describe('formatDateTime', () => {
  it('formats an ISO time and passes an unreadable one through', () => {
    expect(formatDateTime('2026-03-01T10:30:00Z', 'en-GB')).toMatch(/2026/);
    expect(formatDateTime('not a date')).toBe('not a date');
  });
});
