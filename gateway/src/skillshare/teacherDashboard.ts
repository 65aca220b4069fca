/**
 * The teacher's dashboard: their sessions (a course at one start, with the students on it),
 * cancellations and earnings per month. Pure: built from the store's state and a clock.
 * Students appear by name only; their addresses are theirs to share, not the platform's.
 */
import type { SkillsharePolicy } from './policy';
import { localDate, toZoneIso } from './time';
import type { Booking, Course, SkillshareData, Teacher } from './types';

export interface SessionView {
  courseId: string;
  courseTitle: string;
  start: string;
  end: string;
  capacity: number;
  seatsTaken: number;
  students: { bookingId: string; name: string }[];
  /** Whether the teacher may still cancel it (the students' cut-off applies to the teacher too). */
  cancellable: boolean;
}

export interface CancellationView {
  bookingId: string;
  courseTitle: string;
  studentName: string;
  start: string;
  cancelledAt: string;
  cancelledBy: 'student' | 'teacher';
}

/** One month (`YYYY-MM` on the teacher's clock) at the courses' listed prices. */
export interface EarningsMonthView {
  month: string;
  currency: string;
  /** Sessions already given. */
  earned: number;
  /** Confirmed sessions still to come. */
  expected: number;
  lessons: number;
}

export interface TeacherDashboardView {
  upcoming: SessionView[];
  past: SessionView[];
  cancellations: CancellationView[];
  earnings: EarningsMonthView[];
}

const MAX_PAST = 100;
const MAX_CANCELLATIONS = 50;

export function teacherDashboard(data: SkillshareData, teacher: Teacher, now: number, policy: SkillsharePolicy, zone: string): TeacherDashboardView {
  const courses = new Map(data.courses.filter((c) => c.teacherId === teacher.id).map((c) => [c.id, c]));
  const mine = data.bookings.filter((b) => b.teacherId === teacher.id && courses.has(b.courseId));
  const sessions = new Map<string, { course: Course; bookings: Booking[] }>();
  for (const b of mine) {
    if (b.status !== 'confirmed') continue;
    const key = `${b.courseId}@${b.start}`;
    const entry = sessions.get(key) ?? { course: courses.get(b.courseId)!, bookings: [] };
    entry.bookings.push(b);
    sessions.set(key, entry);
  }
  const cutoff = policy.cancellationCutoffMinutes * 60_000;
  const views = [...sessions.values()]
    .map(({ course, bookings }): SessionView & { at: number; until: number } => {
      const first = bookings[0]!;
      return {
        at: Date.parse(first.start),
        until: Date.parse(first.end),
        courseId: course.id,
        courseTitle: course.title,
        start: toZoneIso(Date.parse(first.start), zone),
        end: toZoneIso(Date.parse(first.end), zone),
        capacity: course.capacity,
        seatsTaken: bookings.length,
        students: bookings.map((b) => ({ bookingId: b.id, name: b.studentName })),
        cancellable: now <= Date.parse(first.start) - cutoff,
      };
    })
    .sort((a, b) => a.at - b.at);
  const strip = ({ at: _at, until: _until, ...view }: SessionView & { at: number; until: number }): SessionView => view;
  return {
    upcoming: views.filter((v) => v.until > now).map(strip),
    past: views.filter((v) => v.until <= now).reverse().slice(0, MAX_PAST).map(strip),
    cancellations: mine
      .filter((b) => b.status === 'cancelled' && b.cancelledAt !== null)
      .sort((a, b) => b.cancelledAt!.localeCompare(a.cancelledAt!))
      .slice(0, MAX_CANCELLATIONS)
      .map((b) => ({
        bookingId: b.id,
        courseTitle: courses.get(b.courseId)!.title,
        studentName: b.studentName,
        start: toZoneIso(Date.parse(b.start), zone),
        cancelledAt: toZoneIso(Date.parse(b.cancelledAt!), zone),
        cancelledBy: b.cancelledBy ?? 'student',
      })),
    earnings: earningsByMonth(mine, courses, now, zone),
  };
}

/** Each confirmed seat counts its course's listed price, in the month it starts. */
function earningsByMonth(bookings: readonly Booking[], courses: ReadonlyMap<string, Course>, now: number, zone: string): EarningsMonthView[] {
  const months = new Map<string, EarningsMonthView>();
  for (const b of bookings) {
    if (b.status !== 'confirmed') continue;
    const course = courses.get(b.courseId)!;
    const month = localDate(Date.parse(b.start), zone).slice(0, 7);
    const key = `${month} ${course.currency}`;
    const m = months.get(key) ?? { month, currency: course.currency, earned: 0, expected: 0, lessons: 0 };
    if (Date.parse(b.end) <= now) m.earned = cents(m.earned + course.price);
    else m.expected = cents(m.expected + course.price);
    m.lessons += 1;
    months.set(key, m);
  }
  return [...months.values()].sort((a, b) => b.month.localeCompare(a.month) || a.currency.localeCompare(b.currency));
}

/** Sums of prices in cents, so that 0.1 + 0.2 does not show as 0.30000000000000004. */
function cents(value: number): number {
  return Math.round(value * 100) / 100;
}
