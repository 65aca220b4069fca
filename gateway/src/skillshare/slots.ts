/**
 * Open slots of one teacher, computed from their weekly availability (wall-clock time in their
 * zone), dated exceptions, booked sessions, group capacity, notice and buffers. Pure: the
 * clock, the policy and every record come in as arguments, so tests pin `now` and zones.
 */
import type { SkillsharePolicy } from './policy';
import { addDays, localDate, weekdayOfDate, zonedInstant } from './time';
import type { Availability } from './types';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export interface Interval {
  readonly start: number;
  readonly end: number;
}

export interface SlotCourse {
  readonly id: string;
  readonly durationMinutes: number;
  readonly capacity: number;
}

/** A session the teacher already gives: confirmed bookings of one course at one start. */
export interface BookedSession extends Interval {
  readonly courseId: string;
  readonly attendees: number;
}

export interface SlotInput {
  readonly now: number;
  readonly timeZone: string;
  readonly availability: Availability;
  readonly courses: readonly SlotCourse[];
  readonly sessions: readonly BookedSession[];
  /** Other commitments of the teacher (sessions they attend as a student). */
  readonly busy?: readonly Interval[];
  readonly policy: Pick<SkillsharePolicy, 'minNoticeMinutes' | 'bufferMinutes' | 'horizonDays' | 'stepMinutes'>;
  /** Narrow the candidate starts (inclusive from, exclusive to); clipped to notice and horizon. */
  readonly from?: number;
  readonly to?: number;
}

export interface Slot extends Interval {
  readonly courseId: string;
  readonly seatsLeft: number;
}

/** Availability windows (as instants, merged) for every local day touching [from, to). */
export function availabilityWindows(zone: string, availability: Availability, from: number, to: number): Interval[] {
  const off = new Set(availability.datesOff);
  const windows: Interval[] = [];
  const last = localDate(to, zone);
  for (let date = localDate(from, zone); date <= last; date = addDays(date, 1)) {
    const weekday = weekdayOfDate(date);
    const ranges = [
      ...(off.has(date) ? [] : availability.weekly.filter((w) => w.day === weekday)),
      ...availability.extraHours.filter((e) => e.date === date),
    ];
    for (const range of ranges) {
      const start = zonedInstant(date, range.start, zone);
      const end = zonedInstant(date, range.end, zone);
      if (end > start) windows.push({ start, end });
    }
  }
  return mergeIntervals(windows);
}

/** Sorted, with overlapping or touching intervals joined (a lesson may span 9–12 and 12–14). */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  const merged: Interval[] = [];
  for (const next of sorted) {
    const prev = merged[merged.length - 1];
    if (prev !== undefined && next.start <= prev.end) {
      merged[merged.length - 1] = { start: prev.start, end: Math.max(prev.end, next.end) };
    } else {
      merged.push(next);
    }
  }
  return merged;
}

/** Whether two intervals come closer than `buffer` ms (touching counts as a clash when buffer > 0). */
export function clashes(a: Interval, b: Interval, buffer: number): boolean {
  return a.start < b.end + buffer && b.start < a.end + buffer;
}

export function generateSlots(input: SlotInput): Slot[] {
  const { now, policy } = input;
  const from = Math.max(input.from ?? now, now + policy.minNoticeMinutes * MINUTE);
  const to = Math.min(input.to ?? Number.POSITIVE_INFINITY, now + policy.horizonDays * DAY);
  if (from >= to) return [];
  const windows = availabilityWindows(input.timeZone, input.availability, from - DAY, to + DAY);
  const slots: Slot[] = [];
  for (const course of input.courses) {
    for (const start of candidateStarts(input, course, windows, from, to)) {
      const slot = evaluate(input, course, start);
      if (slot !== null) slots.push(slot);
    }
  }
  return slots.sort((a, b) => a.start - b.start || a.courseId.localeCompare(b.courseId));
}

/** The open slot of `courseId` starting exactly at `start`, or null if there is none. */
export function findOpenSlot(input: SlotInput, courseId: string, start: number): Slot | null {
  const course = input.courses.find((c) => c.id === courseId);
  if (course === undefined) return null;
  const slots = generateSlots({ ...input, courses: [course], from: start, to: start + 1 });
  return slots.find((s) => s.start === start) ?? null;
}

/**
 * Grid starts inside the windows, plus the starts of group sessions already booked: students
 * can still join those even if the teacher has since narrowed their availability.
 */
function candidateStarts(input: SlotInput, course: SlotCourse, windows: readonly Interval[], from: number, to: number): number[] {
  const step = input.policy.stepMinutes * MINUTE;
  const duration = course.durationMinutes * MINUTE;
  const starts = new Set<number>();
  for (const window of windows) {
    for (let start = window.start; start + duration <= window.end; start += step) {
      if (start >= from && start < to) starts.add(start);
    }
  }
  for (const session of input.sessions) {
    if (session.courseId === course.id && session.start >= from && session.start < to) starts.add(session.start);
  }
  return [...starts];
}

function evaluate(input: SlotInput, course: SlotCourse, start: number): Slot | null {
  const end = start + course.durationMinutes * MINUTE;
  const buffer = input.policy.bufferMinutes * MINUTE;
  const joined = input.sessions.find((s) => s.courseId === course.id && s.start === start);
  const others = input.sessions.filter((s) => s !== joined);
  const blocked = [...others, ...(input.busy ?? [])].some((b) => clashes({ start, end }, b, buffer));
  if (blocked) return null;
  const seatsLeft = course.capacity - (joined?.attendees ?? 0);
  return seatsLeft > 0 ? { courseId: course.id, start, end, seatsLeft } : null;
}
