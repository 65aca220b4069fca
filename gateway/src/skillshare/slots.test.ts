import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from './policy';
import { availabilityWindows, findOpenSlot, generateSlots, mergeIntervals } from './slots';
import type { BookedSession, SlotInput } from './slots';
import { toZoneIso } from './time';
import type { Availability, WeeklyWindow } from './types';
import { WEEKDAYS } from './types';

const utc = (iso: string) => Date.parse(iso);
const everyDay = (start: string, end: string): WeeklyWindow[] => WEEKDAYS.map((day) => ({ day, start, end }));
const avail = (weekly: WeeklyWindow[], extra: Partial<Availability> = {}): Availability => ({
  weekly,
  datesOff: [],
  extraHours: [],
  ...extra,
});
const hour = { id: 'c1', durationMinutes: 60, capacity: 1 };

function input(overrides: Partial<SlotInput>): SlotInput {
  return {
    now: utc('2026-03-01T12:00:00Z'),
    timeZone: 'UTC',
    availability: avail(everyDay('09:00', '10:00')),
    courses: [hour],
    sessions: [],
    policy: DEFAULT_POLICY,
    ...overrides,
  };
}

const startsIn = (slots: { start: number }[], zone: string) => slots.map((s) => toZoneIso(s.start, zone));

describe('generateSlots across time zones and DST', () => {
  it('keeps a New York teacher at 09:00 local across the US change on 2026-03-08', () => {
    const slots = generateSlots(input({ timeZone: 'America/New_York', to: utc('2026-03-10T00:00:00Z') }));
    const local = slots.map((s) => DateTime.fromMillis(s.start, { zone: 'America/New_York' }).toFormat('yyyy-MM-dd HH:mm'));
    expect(local).toContain('2026-03-07 09:00');
    expect(local).toContain('2026-03-08 09:00');
    expect(local.every((l) => l.endsWith('09:00'))).toBe(true);
    // The same wall-clock hour is a different UTC instant once the US is on daylight time.
    expect(startsIn(slots, 'UTC')).toContain('2026-03-07T14:00:00Z');
    expect(startsIn(slots, 'UTC')).toContain('2026-03-08T13:00:00Z');
  });

  it('shows those slots in Berlin an hour earlier while only the US has changed', () => {
    const early = startsIn(generateSlots(input({ timeZone: 'America/New_York' })), 'Europe/Berlin');
    expect(early).toContain('2026-03-07T15:00:00+01:00');
    expect(early).toContain('2026-03-08T14:00:00+01:00');
    const late = startsIn(generateSlots(input({ now: utc('2026-03-20T00:00:00Z'), timeZone: 'America/New_York' })), 'Europe/Berlin');
    expect(late).toContain('2026-03-28T14:00:00+01:00');
    // Europe catches up on 2026-03-29: back to the usual six hours apart.
    expect(late).toContain('2026-03-29T15:00:00+02:00');
  });

  it('moves a Tokyo teacher (no DST) by an hour for a Berlin student on 2026-03-29', () => {
    const slots = generateSlots(
      input({
        now: utc('2026-03-20T00:00:00Z'),
        timeZone: 'Asia/Tokyo',
        availability: avail(everyDay('18:00', '19:00')),
        to: utc('2026-04-01T00:00:00Z'),
      }),
    );
    const berlin = startsIn(slots, 'Europe/Berlin');
    expect(berlin).toContain('2026-03-28T10:00:00+01:00');
    expect(berlin).toContain('2026-03-29T11:00:00+02:00');
    expect(startsIn(slots, 'UTC').every((s) => s.endsWith('T09:00:00Z'))).toBe(true);
  });

  it('offers no start inside the hour Berlin skips on 2026-03-29', () => {
    const slots = generateSlots(
      input({
        now: utc('2026-03-20T00:00:00Z'),
        timeZone: 'Europe/Berlin',
        availability: avail([{ day: 'sun', start: '01:00', end: '04:00' }]),
        to: utc('2026-03-30T00:00:00Z'),
      }),
    );
    const onTheDay = startsIn(slots, 'Europe/Berlin').filter((s) => s.startsWith('2026-03-29'));
    // 01:00–04:00 local lasts two real hours that day: 60-minute lessons start at 01:00, 01:30, 03:00.
    expect(onTheDay).toEqual(['2026-03-29T01:00:00+01:00', '2026-03-29T01:30:00+01:00', '2026-03-29T03:00:00+02:00']);
    const weekBefore = startsIn(slots, 'Europe/Berlin').filter((s) => s.startsWith('2026-03-22'));
    expect(weekBefore).toHaveLength(5);
  });

  it('keeps every slot inside the 14-day horizon', () => {
    const now = utc('2026-03-01T12:00:00Z');
    const slots = generateSlots(input({ now }));
    expect(slots).toHaveLength(14);
    expect(Math.max(...slots.map((s) => s.start))).toBeLessThan(now + 14 * 24 * 3_600_000);
  });
});

describe('generateSlots rules', () => {
  it('respects the minimum notice (exactly 12 h ahead is still bookable)', () => {
    const slots = generateSlots(input({ now: utc('2026-03-01T21:00:00Z') }));
    expect(startsIn(slots, 'UTC')[0]).toBe('2026-03-02T09:00:00Z');
    const later = generateSlots(input({ now: utc('2026-03-01T21:00:01Z') }));
    expect(startsIn(later, 'UTC')[0]).toBe('2026-03-03T09:00:00Z');
  });

  it('keeps the buffer around a booked session', () => {
    const session: BookedSession = { courseId: 'other', start: utc('2026-03-03T10:00:00Z'), end: utc('2026-03-03T11:00:00Z'), attendees: 1 };
    const base = input({ availability: avail(everyDay('09:00', '13:00')), sessions: [session], to: utc('2026-03-04T00:00:00Z') });
    const day = (slots: { start: number }[]) => startsIn(slots, 'UTC').filter((s) => s.startsWith('2026-03-03'));
    expect(day(generateSlots(base))).toEqual(['2026-03-03T11:30:00Z', '2026-03-03T12:00:00Z']);
    const noBuffer = { ...DEFAULT_POLICY, bufferMinutes: 0 };
    expect(day(generateSlots({ ...base, policy: noBuffer }))).toEqual([
      '2026-03-03T09:00:00Z',
      '2026-03-03T11:00:00Z',
      '2026-03-03T11:30:00Z',
      '2026-03-03T12:00:00Z',
    ]);
  });

  it('blocks the teacher while they attend someone else’s session', () => {
    const busy = [{ start: utc('2026-03-03T09:00:00Z'), end: utc('2026-03-03T09:30:00Z') }];
    const slots = generateSlots(input({ busy, to: utc('2026-03-04T00:00:00Z') }));
    expect(startsIn(slots, 'UTC')).toEqual(['2026-03-02T09:00:00Z']);
  });

  it('lets students join a group session until it is full, and nothing overlaps it', () => {
    const group = { id: 'g', durationMinutes: 60, capacity: 3 };
    const start = utc('2026-03-03T09:00:00Z');
    const base = input({ availability: avail(everyDay('09:00', '11:00')), courses: [group], to: utc('2026-03-04T00:00:00Z') });
    const withAttendees = (attendees: number) =>
      generateSlots({ ...base, sessions: [{ courseId: 'g', start, end: start + 3_600_000, attendees }] }).filter((s) =>
        toZoneIso(s.start, 'UTC').startsWith('2026-03-03'),
      );
    expect(withAttendees(2)).toEqual([{ courseId: 'g', start, end: start + 3_600_000, seatsLeft: 1 }]);
    expect(withAttendees(3)).toEqual([]);
    const empty = generateSlots(base).filter((s) => toZoneIso(s.start, 'UTC').startsWith('2026-03-03'));
    expect(empty.map((s) => s.seatsLeft)).toEqual([3, 3, 3]);
  });

  it('applies dates off and extra hours in the teacher’s zone', () => {
    const availability = avail(everyDay('09:00', '10:00'), {
      datesOff: ['2026-03-03'],
      extraHours: [
        { date: '2026-03-04', start: '14:00', end: '15:00' },
        { date: '2026-03-05', start: '20:00', end: '21:00' },
      ],
    });
    const slots = generateSlots(input({ timeZone: 'Asia/Kolkata', availability, to: utc('2026-03-06T00:00:00Z') }));
    expect(startsIn(slots, 'Asia/Kolkata')).toEqual([
      '2026-03-02T09:00:00+05:30',
      '2026-03-04T09:00:00+05:30',
      '2026-03-04T14:00:00+05:30',
      '2026-03-05T09:00:00+05:30',
      '2026-03-05T20:00:00+05:30',
    ]);
  });

  it('lets extra hours apply on a date off', () => {
    const availability = avail(everyDay('09:00', '10:00'), {
      datesOff: ['2026-03-03'],
      extraHours: [{ date: '2026-03-03', start: '16:00', end: '17:00' }],
    });
    const slots = generateSlots(input({ availability, from: utc('2026-03-03T00:00:00Z'), to: utc('2026-03-04T00:00:00Z') }));
    expect(startsIn(slots, 'UTC')).toEqual(['2026-03-03T16:00:00Z']);
  });

  it('lets a long lesson span two touching windows and a window end at 24:00', () => {
    const availability = avail([
      { day: 'tue', start: '09:00', end: '12:00' },
      { day: 'tue', start: '12:00', end: '13:00' },
      { day: 'wed', start: '22:00', end: '24:00' },
    ]);
    const long = { id: 'long', durationMinutes: 120, capacity: 1 };
    const slots = generateSlots(input({ availability, courses: [long], to: utc('2026-03-05T00:00:00Z') }));
    expect(startsIn(slots, 'UTC')).toEqual([
      '2026-03-03T09:00:00Z',
      '2026-03-03T09:30:00Z',
      '2026-03-03T10:00:00Z',
      '2026-03-03T10:30:00Z',
      '2026-03-03T11:00:00Z',
      '2026-03-04T22:00:00Z',
    ]);
  });
});

describe('findOpenSlot', () => {
  it('finds only an exact, open grid start', () => {
    const base = input({});
    expect(findOpenSlot(base, 'c1', utc('2026-03-03T09:00:00Z'))?.seatsLeft).toBe(1);
    expect(findOpenSlot(base, 'c1', utc('2026-03-03T09:10:00Z'))).toBeNull();
    expect(findOpenSlot(base, 'nope', utc('2026-03-03T09:00:00Z'))).toBeNull();
    const taken = { ...base, sessions: [{ courseId: 'c1', start: utc('2026-03-03T09:00:00Z'), end: utc('2026-03-03T10:00:00Z'), attendees: 1 }] };
    expect(findOpenSlot(taken, 'c1', utc('2026-03-03T09:00:00Z'))).toBeNull();
  });
});

describe('helpers', () => {
  it('merges overlapping and touching intervals', () => {
    expect(mergeIntervals([{ start: 5, end: 7 }, { start: 0, end: 2 }, { start: 2, end: 3 }, { start: 6, end: 9 }])).toEqual([
      { start: 0, end: 3 },
      { start: 5, end: 9 },
    ]);
  });

  it('builds windows for the local days touching a range', () => {
    const windows = availabilityWindows('Pacific/Auckland', avail(everyDay('08:00', '09:00')), utc('2026-04-04T00:00:00Z'), utc('2026-04-06T00:00:00Z'));
    // Local days Apr 4–6. Auckland leaves daylight time (+13 → +12) on 2026-04-05, so 08:00
    // moves from 19:00Z the day before to 20:00Z.
    expect(windows.map((w) => toZoneIso(w.start, 'UTC'))).toEqual([
      '2026-04-03T19:00:00Z',
      '2026-04-04T20:00:00Z',
      '2026-04-05T20:00:00Z',
    ]);
  });
});
