/**
 * Booking decisions as pure functions of (state, request, now): they either return the new
 * records or throw an AppError. The service runs them inside the store's mutex, so what they
 * check is exactly what gets committed.
 */
import { AppError } from '../errors';
import type { AuthenticatedUser } from '../auth/authenticatedUser';
import { slotInputFor } from './catalogue';
import type { SkillsharePolicy } from './policy';
import { clashes, findOpenSlot } from './slots';
import { toUtcIso } from './time';
import type { Booking, SkillshareData } from './types';

export interface BookingRequest {
  courseId: string;
  /** The requested start as an instant (ms). */
  start: number;
}

export function decideBooking(
  data: SkillshareData,
  user: AuthenticatedUser,
  request: BookingRequest,
  now: number,
  policy: SkillsharePolicy,
  newId: () => string,
): Booking {
  const course = data.courses.find((c) => c.id === request.courseId);
  const teacher = course && data.teachers.find((t) => t.id === course.teacherId);
  if (course === undefined || teacher === undefined) throw new AppError('not_found', 'No such course.');
  if (teacher.userId === user.id) throw new AppError('forbidden', 'You cannot book your own course.');

  const slot = findOpenSlot(slotInputFor(data, teacher, now, policy), course.id, request.start);
  if (slot === null) throw new AppError('slot_unavailable');
  if (hasOverlap(data, user.id, slot)) throw new AppError('booking_overlap');

  return {
    id: newId(),
    courseId: course.id,
    teacherId: teacher.id,
    studentId: user.id,
    studentEmail: user.email,
    studentName: user.name,
    start: toUtcIso(slot.start),
    end: toUtcIso(slot.end),
    status: 'confirmed',
    sequence: 0,
    createdAt: toUtcIso(now),
    cancelledAt: null,
  };
}

/**
 * The user already attends, or teaches, a confirmed session that overlaps [start, end);
 * `except` is the booking being moved, which must not stand in its own way.
 */
export function hasOverlap(data: SkillshareData, userId: string, slot: { start: number; end: number }, except?: string): boolean {
  const teaching = new Set(data.teachers.filter((t) => t.userId === userId).map((t) => t.id));
  return data.bookings.some(
    (b) =>
      b.id !== except &&
      b.status === 'confirmed' &&
      (b.studentId === userId || teaching.has(b.teacherId)) &&
      clashes(slot, { start: Date.parse(b.start), end: Date.parse(b.end) }, 0),
  );
}

/**
 * Moves a confirmed booking to another open slot of the same course, as one change of one
 * record: the new seat is checked against the state with the old one released, and both happen
 * in the same commit, so no other request can ever see the student holding neither seat. A
 * refusal (slot gone, clash, too late) leaves the booking exactly where it was.
 */
export function decideReschedule(data: SkillshareData, userId: string, bookingId: string, newStart: number, now: number, policy: SkillsharePolicy): Booking {
  const booking = ownBooking(data, userId, bookingId);
  if (booking.status !== 'confirmed' || Date.parse(booking.end) <= now) {
    throw new AppError('conflict', 'Only an upcoming, confirmed booking can be moved.');
  }
  // Moving is giving up the old time: the same cut-off as a cancellation.
  if (now > Date.parse(booking.start) - policy.cancellationCutoffMinutes * 60_000) throw new AppError('cancellation_closed');
  if (newStart === Date.parse(booking.start)) throw new AppError('invalid_request', 'start: the booking is already at that time.');
  const course = data.courses.find((c) => c.id === booking.courseId);
  const teacher = course && data.teachers.find((t) => t.id === course.teacherId);
  if (course === undefined || teacher === undefined) throw new AppError('not_found', 'No such course.');
  const slot = findOpenSlot(slotInputFor(data, teacher, now, policy, booking.id), course.id, newStart);
  if (slot === null) throw new AppError('slot_unavailable');
  if (hasOverlap(data, userId, slot, booking.id)) throw new AppError('booking_overlap');
  return {
    ...booking,
    start: toUtcIso(slot.start),
    end: toUtcIso(slot.end),
    sequence: booking.sequence + 1,
    movedFrom: { start: booking.start, end: booking.end },
  };
}

/** Another user's booking is reported exactly like a missing one, so ids cannot be probed. */
export function ownBooking(data: SkillshareData, userId: string, bookingId: string): Booking {
  const booking = data.bookings.find((b) => b.id === bookingId && b.studentId === userId);
  if (booking === undefined) throw new AppError('not_found', 'No such booking.');
  return booking;
}

/** The cancelled booking, or null when it was already cancelled (a retried request). */
export function decideCancel(data: SkillshareData, userId: string, bookingId: string, now: number, policy: SkillsharePolicy): Booking | null {
  const booking = ownBooking(data, userId, bookingId);
  if (booking.status === 'cancelled') return null;
  return cancelled(booking, 'student', now, policy);
}

/** One booking cancelled under the cut-off rule, whichever side asks. */
export function cancelled(booking: Booking, by: 'student' | 'teacher', now: number, policy: SkillsharePolicy): Booking {
  if (now > Date.parse(booking.start) - policy.cancellationCutoffMinutes * 60_000) throw new AppError('cancellation_closed');
  return { ...booking, status: 'cancelled', sequence: booking.sequence + 1, cancelledAt: toUtcIso(now), cancelledBy: by };
}

/**
 * A teacher cancels one session (a course at one start): every confirmed booking of it, under
 * the same cut-off as a student's cancellation. Another teacher's session answers 404, like a
 * missing one; a session with nothing left to cancel answers an empty list (a retried request).
 */
export function decideSessionCancel(data: SkillshareData, userId: string, courseId: string, start: number, now: number, policy: SkillsharePolicy): Booking[] {
  const teacher = data.teachers.find((t) => t.userId === userId);
  const course = teacher && data.courses.find((c) => c.id === courseId && c.teacherId === teacher.id);
  if (course === undefined) throw new AppError('not_found', 'No such session.');
  const of = data.bookings.filter((b) => b.courseId === course.id && Date.parse(b.start) === start);
  if (of.length === 0) throw new AppError('not_found', 'No such session.');
  return of.filter((b) => b.status === 'confirmed').map((b) => cancelled(b, 'teacher', now, policy));
}

export function replaceBookings(data: SkillshareData, changed: readonly Booking[]): SkillshareData {
  const byId = new Map(changed.map((b) => [b.id, b]));
  return { ...data, bookings: data.bookings.map((b) => byId.get(b.id) ?? b) };
}

export function replaceBooking(data: SkillshareData, booking: Booking): SkillshareData {
  return { ...data, bookings: data.bookings.map((b) => (b.id === booking.id ? booking : b)) };
}
