/**
 * Slots grouped by calendar day in the student's zone. The day is taken from the instant in
 * that zone, not from the ISO string's date part, so a slot is filed under the right day even
 * if the gateway wrote its offset for another zone.
 */
import type { SlotView } from '../../api/skillshare';

export interface SlotOfDay {
  slot: SlotView;
  /** Wall-clock start in the zone, e.g. "09:30". */
  time: string;
  /** Day and time, for accessible names: "Tue, 10 Mar, 09:30". */
  when: string;
}

export interface SlotDay {
  /** `YYYY-MM-DD` in the zone. */
  key: string;
  /** "Tuesday 10 March". */
  label: string;
  slots: SlotOfDay[];
}

export function dayKey(instant: Date, timeZone: string): string {
  // en-CA formats dates as YYYY-MM-DD whatever the browser's own locale is.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

export function timeOf(instant: Date, timeZone: string, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { timeZone, hour: '2-digit', minute: '2-digit' }).format(instant);
}

export function whenOf(instant: Date, timeZone: string, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { timeZone, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }).format(instant);
}

export function dayLabel(instant: Date, timeZone: string, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { timeZone, weekday: 'long', day: 'numeric', month: 'long' }).format(instant);
}

export function groupSlotsByDay(slots: readonly SlotView[], timeZone: string, locale?: string): SlotDay[] {
  const days = new Map<string, SlotDay>();
  const sorted = [...slots].sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  for (const slot of sorted) {
    const start = new Date(slot.start);
    const key = dayKey(start, timeZone);
    let day = days.get(key);
    if (!day) {
      day = { key, label: dayLabel(start, timeZone, locale), slots: [] };
      days.set(key, day);
    }
    day.slots.push({ slot, time: timeOf(start, timeZone, locale), when: whenOf(start, timeZone, locale) });
  }
  return [...days.values()];
}
