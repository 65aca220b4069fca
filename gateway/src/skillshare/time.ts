import { DateTime, IANAZone } from 'luxon';
import { WEEKDAYS } from './types';
import type { Weekday } from './types';

/** True for names the runtime's tz database knows (`Europe/Berlin`, `UTC`…). */
export function isValidTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/** An instant as ISO 8601 with the zone's offset at that instant, e.g. `2026-03-10T15:00:00+01:00`. */
export function toZoneIso(ms: number, zone: string): string {
  const iso = DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true });
  if (iso === null) throw new Error(`cannot format ${ms} in ${zone}`);
  return iso;
}

export function toUtcIso(ms: number): string {
  return new Date(ms).toISOString();
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** The local calendar date (`YYYY-MM-DD`) of an instant in a zone. */
export function localDate(ms: number, zone: string): string {
  let format = dateFormats.get(zone);
  if (format === undefined) {
    // en-CA formats dates as YYYY-MM-DD; one formatter per zone, as building one is costly.
    format = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dateFormats.set(zone, format);
  }
  return format.format(ms);
}

/** `YYYY-MM-DD` plus n calendar days (plain calendar arithmetic, no zone involved). */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

export function weekdayOfDate(date: string): Weekday {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  // getUTCDay counts from Sunday = 0; WEEKDAYS starts on Monday.
  return WEEKDAYS[(new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7] as Weekday;
}

const instantCache = new Map<string, number>();
const INSTANT_CACHE_LIMIT = 50_000;

/**
 * The instant a wall-clock time `HH:mm` (or `24:00`) occurs on a local date in a zone. A time
 * skipped by a spring-forward change moves forward by the gap, which is what a person means by
 * it; a repeated time (fall back) is the later, standard-time one. Memoised: resolving a local
 * time costs luxon several Intl calls, and booking checks ask for the same few times over and over.
 */
export function zonedInstant(date: string, hhmm: string, zone: string): number {
  const key = `${zone}|${date}|${hhmm}`;
  const hit = instantCache.get(key);
  if (hit !== undefined) return hit;
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  const [year, month, day] = (h === 24 ? addDays(date, 1) : date).split('-').map(Number) as [number, number, number];
  const ms = DateTime.fromObject({ year, month, day, hour: h % 24, minute: m }, { zone }).toMillis();
  if (instantCache.size >= INSTANT_CACHE_LIMIT) instantCache.clear();
  instantCache.set(key, ms);
  return ms;
}

/** `HH:mm` → minutes after midnight; used to compare ranges without a date. */
export function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

/** The fixed-offset zone an ISO string was written in (`+01:00` → `UTC+1`), to answer in kind. */
export function offsetZoneOf(iso: string): string {
  return DateTime.fromISO(iso, { setZone: true }).zoneName ?? 'UTC';
}

/** `Tue 10 Mar 2026, 15:00–16:00 UTC+1`, for mail bodies. */
export function describeSpan(start: number, end: number, zone: string): string {
  const from = DateTime.fromMillis(start, { zone });
  const to = DateTime.fromMillis(end, { zone });
  return `${from.toFormat('ccc d LLL yyyy, HH:mm')}–${to.toFormat('HH:mm')} ${from.toFormat('ZZZZ')}`;
}
