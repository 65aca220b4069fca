/** Read-only catalogue queries: teacher search, course listing, a teacher's open slots. */
import type { SkillsharePolicy } from './policy';
import type { CourseListQuery, TeacherListQuery } from './schemas';
import { generateSlots } from './slots';
import type { BookedSession, Interval, SlotInput } from './slots';
import { hasOverlap } from './bookings';
import { toZoneIso } from './time';
import type { SkillshareData, Teacher } from './types';
import { courseView, reviewView, teacherView } from './views';
import type { CourseView, ReviewView, TeacherView } from './views';

/** The profile lists the latest reviews; the distribution counts them all. */
const MAX_REVIEWS_SHOWN = 50;

/** Lower-case without accents, so "martinez" finds "Martínez". */
export function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

export function listTeachers(data: SkillshareData, query: TeacherListQuery): TeacherView[] {
  const skill = query.skill === undefined ? undefined : fold(query.skill);
  const words = query.q === undefined ? [] : fold(query.q).split(/\s+/).filter(Boolean);
  const matches = data.teachers.filter((t) => {
    if (skill !== undefined && !t.skills.includes(skill)) return false;
    if (query.maxRate !== undefined && t.hourlyRate > query.maxRate) return false;
    if (query.minRating !== undefined && (t.rating === null || t.rating < query.minRating)) return false;
    const haystack = fold([t.name, t.bio, ...t.specialties].join(' '));
    return words.every((w) => haystack.includes(w));
  });
  const order = query.order ?? (query.sort === 'rating' ? 'desc' : 'asc');
  const sign = order === 'asc' ? 1 : -1;
  const key = (t: Teacher): number | string =>
    query.sort === 'rate' ? t.hourlyRate : query.sort === 'name' ? fold(t.name) : (t.rating ?? -1);
  return matches
    .sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      const primary = typeof ka === 'number' && typeof kb === 'number' ? ka - kb : String(ka).localeCompare(String(kb));
      // Ties are broken by name then id so that pages are stable between requests.
      return sign * primary || a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
    })
    .map(teacherView);
}

export function listCourses(data: SkillshareData, query: CourseListQuery): CourseView[] {
  const names = new Map(data.teachers.map((t) => [t.id, t.name]));
  const skill = query.skill === undefined ? undefined : fold(query.skill);
  return data.courses
    .filter((c) => (skill === undefined || c.skill === skill) && (query.level === undefined || c.level === query.level))
    .filter((c) => query.teacherId === undefined || c.teacherId === query.teacherId)
    .map((c) => courseView(c, names.get(c.teacherId) ?? ''))
    .sort((a, b) => a.teacherName.localeCompare(b.teacherName) || a.title.localeCompare(b.title));
}

/**
 * Everything the slot generator needs about one teacher, taken from the store's state;
 * `except` (a booking being moved) is left out, as if its seat were already free.
 */
export function slotInputFor(data: SkillshareData, teacher: Teacher, now: number, policy: SkillsharePolicy, except?: string): SlotInput {
  const sessions = new Map<string, BookedSession>();
  const busy: Interval[] = [];
  for (const b of data.bookings) {
    if (b.status !== 'confirmed' || b.id === except) continue;
    const start = Date.parse(b.start);
    const end = Date.parse(b.end);
    // Past sessions cannot affect slots that start after the notice period.
    if (end + policy.bufferMinutes * 60_000 <= now) continue;
    if (b.teacherId === teacher.id) {
      const key = `${b.courseId}@${start}`;
      const s = sessions.get(key);
      sessions.set(key, { courseId: b.courseId, start, end, attendees: (s?.attendees ?? 0) + 1 });
    } else if (teacher.userId !== null && b.studentId === teacher.userId) {
      busy.push({ start, end });
    }
  }
  return {
    now,
    timeZone: teacher.timeZone,
    availability: teacher.availability,
    courses: data.courses.filter((c) => c.teacherId === teacher.id),
    sessions: [...sessions.values()],
    busy,
    policy,
  };
}

export interface SlotView {
  courseId: string;
  start: string;
  end: string;
  seatsLeft: number;
}

export interface TeacherDetailView {
  teacher: TeacherView;
  courses: CourseView[];
  slots: SlotView[];
  /** `owner`: the signed-in user is this teacher, so no slot is offered to them. */
  viewer: 'owner' | 'student' | 'anonymous';
  /** Open slots left out because they clash with the signed-in student's own sessions. */
  hiddenClashes: number;
  reviews: ReviewView[];
  /** Reviews given here per score, index 0 = 1 star … 4 = 5 stars (seeded ratings have none). */
  ratingDistribution: [number, number, number, number, number];
}

/**
 * `GET /teachers/:id`: the profile, its courses, reviews and the open slots, times in `zone`.
 * A signed-in viewer is offered only what they could book: nothing on their own page, and no
 * slot that clashes with a session they already attend or teach (the booking would refuse it).
 */
export function teacherDetail(
  data: SkillshareData,
  teacher: Teacher,
  now: number,
  policy: SkillsharePolicy,
  zone: string,
  viewerId?: string,
  /** The viewer's booking being moved: its seat is free and it clashes with nothing, as in decideReschedule. */
  moving?: string,
): TeacherDetailView {
  const viewer = viewerId === undefined ? 'anonymous' : teacher.userId === viewerId ? 'owner' : 'student';
  const open = viewer === 'owner' ? [] : generateSlots(slotInputFor(data, teacher, now, policy, moving));
  const bookable = viewerId === undefined || viewer === 'owner' ? open : open.filter((s) => !hasOverlap(data, viewerId, s, moving));
  const slots: SlotView[] = bookable.map((s) => ({
    courseId: s.courseId,
    start: toZoneIso(s.start, zone),
    end: toZoneIso(s.end, zone),
    seatsLeft: s.seatsLeft,
  }));
  const own = data.reviews.filter((r) => r.teacherId === teacher.id);
  const ratingDistribution: [number, number, number, number, number] = [0, 0, 0, 0, 0];
  for (const r of own) ratingDistribution[r.rating - 1]! += 1;
  return {
    teacher: teacherView(teacher),
    courses: data.courses.filter((c) => c.teacherId === teacher.id).map((c) => courseView(c, teacher.name)),
    slots,
    viewer,
    hiddenClashes: open.length - bookable.length,
    reviews: own
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .slice(0, MAX_REVIEWS_SHOWN)
      .map((r) => reviewView(data, r)),
    ratingDistribution,
  };
}
