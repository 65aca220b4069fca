import { describe, expect, it } from 'vitest';
import { addDays, describeSpan, isValidTimeZone, localDate, offsetZoneOf, toZoneIso, weekdayOfDate, zonedInstant } from './time';

describe('time helpers', () => {
  it('dates an instant in the zone, not in UTC', () => {
    const ms = Date.parse('2026-03-02T23:30:00Z');
    expect(localDate(ms, 'UTC')).toBe('2026-03-02');
    expect(localDate(ms, 'Asia/Tokyo')).toBe('2026-03-03');
    expect(localDate(ms, 'America/Los_Angeles')).toBe('2026-03-02');
  });

  it('does calendar arithmetic across month and year ends', () => {
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(weekdayOfDate('2026-03-02')).toBe('mon');
    expect(weekdayOfDate('2026-03-08')).toBe('sun');
  });

  it('resolves wall-clock times through DST gaps and overlaps', () => {
    expect(toZoneIso(zonedInstant('2026-03-29', '02:30', 'Europe/Berlin'), 'Europe/Berlin')).toBe('2026-03-29T03:30:00+02:00');
    expect(toZoneIso(zonedInstant('2026-10-25', '02:30', 'Europe/Berlin'), 'Europe/Berlin')).toBe('2026-10-25T02:30:00+01:00');
    expect(toZoneIso(zonedInstant('2026-03-08', '24:00', 'America/New_York'), 'America/New_York')).toBe('2026-03-09T00:00:00-04:00');
  });

  it('validates zones and keeps the offset a client wrote', () => {
    expect(isValidTimeZone('America/St_Johns')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(offsetZoneOf('2026-03-10T19:30:00+05:30')).toBe('UTC+5:30');
    const ms = Date.parse('2026-03-10T14:00:00Z');
    expect(describeSpan(ms, ms + 3_600_000, offsetZoneOf('2026-03-10T15:00:00+01:00'))).toBe('Tue 10 Mar 2026, 15:00–16:00 UTC+1');
  });
});
