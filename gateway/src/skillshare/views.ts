/** The public shapes of SkillShare records: what leaves the gateway, minus private fields. */
import { toUtcIso, toZoneIso } from './time';
import type { Availability, Booking, BookingStatus, BookingView, Course, Review, SkillshareData, Teacher } from './types';

export type { BookingView };

export interface TeacherView {
  id: string;
  name: string;
  bio: string;
  skills: readonly string[];
  specialties: readonly string[];
  hourlyRate: number;
  currency: string;
  rating: number | null;
  ratingCount: number;
  timeZone: string;
  availability: Availability;
  /** The thumbnail's address (changes with the photo, so it can be cached for ever), or null. */
  photoUrl: string | null;
}

export interface ReviewView {
  rating: number;
  comment: string | null;
  createdAt: string;
  /** First name and initial: a review is public, the student's full name is not. */
  author: string;
}

export interface CourseView extends Omit<Course, 'createdAt'> {
  teacherName: string;
}

export interface BookingDetailView extends BookingView {
  courseTitle: string;
  teacherName: string;
  review: { rating: number; comment: string | null } | null;
}

export function teacherView(t: Teacher): TeacherView {
  return {
    id: t.id,
    name: t.name,
    bio: t.bio,
    skills: t.skills,
    specialties: t.specialties,
    hourlyRate: t.hourlyRate,
    currency: t.currency,
    rating: t.rating,
    ratingCount: t.ratingCount,
    timeZone: t.timeZone,
    availability: t.availability,
    photoUrl: t.photo ? `/api/skillshare/teachers/${encodeURIComponent(t.id)}/photo?v=${encodeURIComponent(t.photo.fileId)}` : null,
  };
}

export function reviewView(data: SkillshareData, r: Review): ReviewView {
  const name = data.bookings.find((b) => b.id === r.bookingId)?.studentName.trim() ?? '';
  const [first = 'A student', last] = name.split(/\s+/);
  return { rating: r.rating, comment: r.comment, createdAt: r.createdAt, author: last === undefined ? first : `${first} ${last.charAt(0)}.` };
}

export function courseView(c: Course, teacherName: string): CourseView {
  const { createdAt: _createdAt, ...rest } = c;
  return { ...rest, teacherName };
}

/** A confirmed booking whose end has passed is reported as completed. */
export function bookingStatus(b: Booking, now: number): BookingStatus {
  return b.status === 'confirmed' && Date.parse(b.end) <= now ? 'completed' : b.status;
}

/** Times in `zone` when given (the student's), otherwise UTC. */
export function bookingView(b: Booking, now: number, zone?: string): BookingView {
  const fmt = (iso: string) => (zone === undefined ? toUtcIso(Date.parse(iso)) : toZoneIso(Date.parse(iso), zone));
  return { id: b.id, courseId: b.courseId, teacherId: b.teacherId, start: fmt(b.start), end: fmt(b.end), status: bookingStatus(b, now) };
}

export function bookingDetailView(data: SkillshareData, b: Booking, now: number, zone: string, review: Review | undefined): BookingDetailView {
  return {
    ...bookingView(b, now, zone),
    courseTitle: data.courses.find((c) => c.id === b.courseId)?.title ?? '',
    teacherName: data.teachers.find((t) => t.id === b.teacherId)?.name ?? '',
    review: review === undefined ? null : { rating: review.rating, comment: review.comment },
  };
}
