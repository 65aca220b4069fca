/**
 * Slots laid out as calendar weeks (Monday to Sunday) in the student's zone, for the week
 * view. Days come from slotDays' dayKey, so both views file a slot under the same day.
 */
import type { SlotView } from '../../api/skillshare';
import { groupSlotsByDay } from './slotDays';
import type { SlotOfDay } from './slotDays';

export interface WeekDay {
  /** `YYYY-MM-DD` in the zone. */
  key: string;
  /** "Mon 2 Mar". */
  label: string;
  slots: SlotOfDay[];
}

export interface SlotWeek {
  /** The Monday's key. */
  key: string;
  /** "2 Mar – 8 Mar". */
  label: string;
  days: WeekDay[];
}

const DAY = 86_400_000;

/** Noon UTC of a `YYYY-MM-DD` key: a plain calendar date, free of any zone's transitions. */
function dateOfKey(key: string): Date {
  return new Date(`${key}T12:00:00Z`);
}

function keyOf(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function mondayOf(key: string): string {
  const date = dateOfKey(key);
  // getUTCDay: 0 = Sunday … 6 = Saturday; weeks start on Monday.
  return keyOf(new Date(date.getTime() - ((date.getUTCDay() + 6) % 7) * DAY));
}

export function groupSlotsByWeek(slots: readonly SlotView[], timeZone: string, locale?: string): SlotWeek[] {
  const byDay = new Map(groupSlotsByDay(slots, timeZone, locale).map((d) => [d.key, d]));
  const mondays = [...new Set([...byDay.keys()].map(mondayOf))].sort();
  const short = new Intl.DateTimeFormat(locale, { timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'short' });
  const dayMonth = new Intl.DateTimeFormat(locale, { timeZone: 'UTC', day: 'numeric', month: 'short' });
  return mondays.map((monday) => {
    const days = Array.from({ length: 7 }, (_, i) => {
      const date = new Date(dateOfKey(monday).getTime() + i * DAY);
      const key = keyOf(date);
      return { key, label: short.format(date), slots: byDay.get(key)?.slots ?? [] };
    });
    const sunday = dateOfKey(days[6]!.key);
    return { key: monday, label: `${dayMonth.format(dateOfKey(monday))} – ${dayMonth.format(sunday)}`, days };
  });
}
