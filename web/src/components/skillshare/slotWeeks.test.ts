import { describe, expect, it } from 'vitest';
import { groupSlotsByWeek, mondayOf } from './slotWeeks';

const slot = (start: string) => ({ courseId: 'c', start, end: start, seatsLeft: 1 });

describe('groupSlotsByWeek', () => {
  it('finds the Monday of any day, across month and year ends', () => {
    expect(mondayOf('2026-03-02')).toBe('2026-03-02');
    expect(mondayOf('2026-03-08')).toBe('2026-03-02');
    expect(mondayOf('2027-01-01')).toBe('2026-12-28');
  });

  it('files slots under the student’s own day and week, with empty days kept', () => {
    // 23:30 UTC on Sunday 8 March is already Monday 9 March in Kolkata (UTC+5:30): next week.
    const weeks = groupSlotsByWeek([slot('2026-03-03T10:00:00Z'), slot('2026-03-08T23:30:00Z')], 'Asia/Kolkata', 'en-GB');
    expect(weeks.map((w) => w.key)).toEqual(['2026-03-02', '2026-03-09']);
    expect(weeks[0]!.days).toHaveLength(7);
    expect(weeks[0]!.label).toBe('2 Mar – 8 Mar');
    expect(weeks[0]!.days.map((d) => d.slots.length)).toEqual([0, 1, 0, 0, 0, 0, 0]);
    expect(weeks[1]!.days[0]).toMatchObject({ key: '2026-03-09', label: 'Mon 9 Mar' });
    expect(weeks[1]!.days[0]!.slots[0]!.time).toBe('05:00');
    // In UTC the same slot stays on Sunday.
    expect(groupSlotsByWeek([slot('2026-03-08T23:30:00Z')], 'UTC', 'en-GB')[0]!.days[6]!.slots).toHaveLength(1);
  });
});
