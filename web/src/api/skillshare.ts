/**
 * The SkillShare API (gateway/src/skillshare/routes). Wire shapes are imported as types from
 * the gateway's view builders, so that a renamed field fails the dashboard's type check.
 */
import type {
  Availability,
  BookingDetailView,
  CancellationView,
  EarningsMonthView,
  ReviewView,
  SessionView,
  TeacherDashboardView,
  BookingView,
  CourseView,
  Level,
  SlotView,
  TeacherDetailView,
  TeacherView,
  Weekday,
  WeeklyWindow,
} from '../../../gateway/src/api/skillshare';
import { ApiError, csrfHeaders, notifyIfUnauthenticated, request, toApiError } from './http';

export type {
  Availability,
  BookingDetailView,
  BookingView,
  CancellationView,
  CourseView,
  EarningsMonthView,
  Level,
  ReviewView,
  SessionView,
  SlotView,
  TeacherDashboardView,
  TeacherDetailView,
  TeacherView,
  Weekday,
  WeeklyWindow,
};

export type TeacherSort = 'rating' | 'rate' | 'name';

export interface TeacherFilters {
  skill: string;
  q: string;
  maxRate: number | null;
  minRating: number | null;
  sort: TeacherSort;
}

export interface TeacherProfileInput {
  name?: string;
  bio: string;
  skills: string[];
  specialties: string[];
  hourlyRate: number;
  timeZone: string;
  availability: { weekly: WeeklyWindow[]; datesOff: string[]; extraHours: Availability['extraHours'][number][] };
}

export interface CourseInput {
  title: string;
  description: string;
  skill: string;
  level: Level;
  durationMinutes: number;
  price: number;
  capacity: number;
}

const BASE = '/api/skillshare';

/** The browser's IANA zone: slots and bookings are shown on the student's own clock. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export function teacherQuery(filters: TeacherFilters): string {
  const params = new URLSearchParams();
  if (filters.skill.trim()) params.set('skill', filters.skill.trim());
  if (filters.q.trim()) params.set('q', filters.q.trim());
  if (filters.maxRate !== null) params.set('maxRate', String(filters.maxRate));
  if (filters.minRating !== null) params.set('minRating', String(filters.minRating));
  params.set('sort', filters.sort);
  return params.toString();
}

export const searchTeachers = (filters: TeacherFilters) => request<{ teachers: TeacherView[] }>('GET', `${BASE}/teachers?${teacherQuery(filters)}`);

/** `moving`: the student's booking being moved, whose seat then counts as free. */
export const fetchTeacher = (id: string, tz: string, moving?: string) =>
  request<TeacherDetailView>(
    'GET',
    `${BASE}/teachers/${encodeURIComponent(id)}?tz=${encodeURIComponent(tz)}${moving ? `&moving=${encodeURIComponent(moving)}` : ''}`,
  );

export const fetchCourses = () => request<{ courses: CourseView[] }>('GET', `${BASE}/courses`);

export const bookSlot = (courseId: string, start: string, idempotencyKey: string) =>
  request<{ booking: BookingView }>('POST', `${BASE}/booking`, { courseId, start }, { 'Idempotency-Key': idempotencyKey });

export const fetchBookings = (tz: string) =>
  request<{ upcoming: BookingDetailView[]; past: BookingDetailView[] }>('GET', `${BASE}/bookings?tz=${encodeURIComponent(tz)}`);

export const cancelBooking = (id: string, tz: string) =>
  request<{ booking: BookingView; teacherNotified: boolean }>('POST', `${BASE}/booking/${encodeURIComponent(id)}/cancel?tz=${encodeURIComponent(tz)}`, {});

export const reviewBooking = (id: string, rating: number, comment?: string) =>
  request<{ review: { id: string; rating: number; comment: string | null } }>('POST', `${BASE}/booking/${encodeURIComponent(id)}/review`, {
    rating,
    ...(comment ? { comment } : {}),
  });

export const fetchOwnTeacher = () => request<{ teacher: TeacherView; courses: CourseView[] }>('GET', `${BASE}/teachers/me`);

export const createOwnTeacher = (input: TeacherProfileInput) => request<{ teacher: TeacherView }>('POST', `${BASE}/teachers/me`, input);

export const updateOwnTeacher = (input: TeacherProfileInput) => request<{ teacher: TeacherView }>('PUT', `${BASE}/teachers/me`, input);

export const addOwnCourse = (input: CourseInput) => request<{ course: CourseView }>('POST', `${BASE}/teachers/me/courses`, input);

export const rescheduleBooking = (id: string, start: string, idempotencyKey: string) =>
  request<{ booking: BookingView }>('POST', `${BASE}/booking/${encodeURIComponent(id)}/reschedule`, { start }, { 'Idempotency-Key': idempotencyKey });

export const fetchTeacherDashboard = (tz: string) => request<TeacherDashboardView>('GET', `${BASE}/teachers/me/dashboard?tz=${encodeURIComponent(tz)}`);

export const cancelTeacherSession = (courseId: string, start: string) =>
  request<{ cancelled: BookingView[] }>('POST', `${BASE}/teachers/me/sessions/cancel`, { courseId, start });

/** The photo goes as the raw body with its own type: the gateway makes the thumbnail. */
export async function uploadTeacherPhoto(file: Blob): Promise<{ teacher: TeacherView }> {
  let res: Response;
  try {
    res = await fetch(`${BASE}/teachers/me/photo`, {
      method: 'PUT',
      credentials: 'same-origin',
      headers: { 'Content-Type': file.type || 'application/octet-stream', ...csrfHeaders('PUT') },
      body: file,
    });
  } catch {
    throw new ApiError(0, 'network', 'The gateway cannot be reached. Check your connection and try again.');
  }
  if (!res.ok) {
    const error = await toApiError(res);
    notifyIfUnauthenticated(error);
    throw error;
  }
  return (await res.json()) as { teacher: TeacherView };
}
