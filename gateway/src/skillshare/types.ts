/**
 * SkillShare domain records as they are stored in `<dataDir>/gateway/skillshare.json`.
 * Everything is readonly: the store hands out its committed state, and changes are made by
 * building new objects (see store.ts), so a failed check can never leave half an edit behind.
 */
import type { GatewayErrorCode } from '../errors';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const LEVELS = ['beginner', 'intermediate', 'advanced', 'all'] as const;
export type Level = (typeof LEVELS)[number];

/** Wall-clock times `HH:mm` in the teacher's zone; `end` may be `24:00`. */
export interface TimeRange {
  readonly start: string;
  readonly end: string;
}

export interface WeeklyWindow extends TimeRange {
  readonly day: Weekday;
}

/** Hours added on one local date (`YYYY-MM-DD` in the teacher's zone). */
export interface ExtraHours extends TimeRange {
  readonly date: string;
}

export interface Availability {
  readonly weekly: readonly WeeklyWindow[];
  /** Local dates (`YYYY-MM-DD`) on which the weekly windows do not apply. */
  readonly datesOff: readonly string[];
  /** Extra windows; they apply even on a date off (they are the more specific statement). */
  readonly extraHours: readonly ExtraHours[];
}

export interface Teacher {
  readonly id: string;
  /** The account that owns this profile; null for the seeded catalogue. */
  readonly userId: string | null;
  readonly name: string;
  readonly bio: string;
  readonly skills: readonly string[];
  readonly specialties: readonly string[];
  /** In `currency` major units (e.g. 45.5 = $45.50). */
  readonly hourlyRate: number;
  readonly currency: string;
  /** Average review score, null until the first review. */
  readonly rating: number | null;
  readonly ratingCount: number;
  /** Reviews received before this system existed (seeded teachers); new teachers start at 0. */
  readonly ratingBaseline: { readonly count: number; readonly sum: number };
  /** IANA zone the availability is expressed in. */
  readonly timeZone: string;
  readonly availability: Availability;
  /**
   * The profile photo's thumbnail, a GeoVault file in the mesh (see photoStore.ts); absent on
   * profiles made before photos existed, null once removed.
   */
  readonly photo?: TeacherPhoto | null;
  readonly createdAt: string;
}

export interface TeacherPhoto {
  readonly fileId: string;
  /** Region the file was written in: reads try its nodes first. */
  readonly region: string;
  readonly updatedAt: string;
}

export interface Course {
  readonly id: string;
  readonly teacherId: string;
  readonly title: string;
  readonly description: string;
  readonly skill: string;
  readonly level: Level;
  readonly durationMinutes: number;
  readonly price: number;
  readonly currency: string;
  /** 1 = private lesson; more = group session that several students join. */
  readonly capacity: number;
  readonly createdAt: string;
}

export type StoredBookingStatus = 'confirmed' | 'cancelled';
/** What clients see: a confirmed booking whose end has passed is `completed`. */
export type BookingStatus = StoredBookingStatus | 'completed';

export interface Booking {
  readonly id: string;
  readonly courseId: string;
  readonly teacherId: string;
  readonly studentId: string;
  /** Kept with the booking so that the cancellation mail reaches the same address. */
  readonly studentEmail: string;
  readonly studentName: string;
  /** ISO 8601 instants in UTC. */
  readonly start: string;
  readonly end: string;
  readonly status: StoredBookingStatus;
  /** iCalendar SEQUENCE: bumped whenever the event changes (cancellation, reschedule). */
  readonly sequence: number;
  readonly createdAt: string;
  readonly cancelledAt: string | null;
  /** Who cancelled: absent on bookings cancelled before teachers could cancel (the student). */
  readonly cancelledBy?: 'student' | 'teacher';
  /** Where the booking was before its last reschedule (UTC ISO), for the mails and the dashboard. */
  readonly movedFrom?: { readonly start: string; readonly end: string } | null;
}

export interface Review {
  readonly id: string;
  readonly bookingId: string;
  readonly teacherId: string;
  readonly studentId: string;
  readonly rating: number;
  readonly comment: string | null;
  readonly createdAt: string;
}

/** A booking as the booking endpoints return it (times in UTC unless a zone was asked for). */
export interface BookingView {
  readonly id: string;
  readonly courseId: string;
  readonly teacherId: string;
  readonly start: string;
  readonly end: string;
  readonly status: BookingStatus;
}

export type BookingResponseBody =
  | { readonly booking: BookingView }
  | { readonly error: { readonly code: GatewayErrorCode; readonly message: string } };

/** The answer given to a booking request, replayed when the same key comes back. */
export interface IdempotencyRecord {
  readonly userId: string;
  readonly key: string;
  /** Hash of the request, so that a key reused for a different request is refused. */
  readonly fingerprint: string;
  readonly status: number;
  readonly body: BookingResponseBody;
  readonly createdAt: number;
}

export interface SkillshareData {
  readonly version: 1;
  readonly teachers: readonly Teacher[];
  readonly courses: readonly Course[];
  readonly bookings: readonly Booking[];
  readonly reviews: readonly Review[];
  readonly idempotency: readonly IdempotencyRecord[];
}
