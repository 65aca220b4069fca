// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import type { SlotView } from '../../api/skillshare';
import { dayKey, groupSlotsByDay } from './slotDays';

const slot = (start: string, courseId = 'c1', seatsLeft = 1): SlotView => ({ courseId, start, end: start, seatsLeft });

// 22:30 and 23:30 UTC on 9 March, 00:30 UTC on 10 March (given with a Madrid offset).
const slots = [slot('2026-03-10T01:30:00+01:00'), slot('2026-03-09T23:30:00Z'), slot('2026-03-09T22:30:00Z', 'c2', 3)];

describe('groupSlotsByDay', () => {
  it('files slots under the day they fall on in the given zone, in time order', () => {
    const utc = groupSlotsByDay(slots, 'UTC', 'en-GB');
    expect(utc.map((d) => [d.key, d.slots.map((s) => s.time)])).toEqual([
      ['2026-03-09', ['22:30', '23:30']],
      ['2026-03-10', ['00:30']],
    ]);
    // Tokyo is UTC+9: all three are on the morning of 10 March.
    const tokyo = groupSlotsByDay(slots, 'Asia/Tokyo', 'en-GB');
    expect(tokyo.map((d) => [d.key, d.slots.map((s) => s.time)])).toEqual([['2026-03-10', ['07:30', '08:30', '09:30']]]);
    // New York is UTC-4 (daylight time from 8 March 2026): all three are on the evening of 9 March.
    const ny = groupSlotsByDay(slots, 'America/New_York', 'en-GB');
    expect(ny.map((d) => [d.key, d.slots.map((s) => s.time)])).toEqual([['2026-03-09', ['18:30', '19:30', '20:30']]]);
  });

  it('handles half-hour offsets and labels days and times for people', () => {
    const [day] = groupSlotsByDay([slot('2026-03-09T20:00:00Z')], 'Asia/Kolkata', 'en-GB');
    expect(day!.key).toBe('2026-03-10');
    expect(day!.label).toBe('Tuesday 10 March');
    expect(day!.slots[0]!.time).toBe('01:30');
    expect(day!.slots[0]!.when).toBe('Tue 10 Mar, 01:30');
  });

  it('keeps each slot with its seats and returns nothing for no slots', () => {
    const [day] = groupSlotsByDay(slots, 'UTC', 'en-GB');
    expect(day!.slots[0]!.slot).toEqual(slots[2]);
    expect(groupSlotsByDay([], 'UTC')).toEqual([]);
    expect(dayKey(new Date('2026-12-31T23:59:00Z'), 'Pacific/Auckland')).toBe('2027-01-01');
  });
});
