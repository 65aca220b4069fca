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

/** The user already attends, or teaches, a confirmed session that overlaps [start, end). */
function hasOverlap(data: SkillshareData, userId: string, slot: { start: number; end: number }): boolean {
  const teaching = new Set(data.teachers.filter((t) => t.userId === userId).map((t) => t.id));
  return data.bookings.some(
    (b) =>
      b.status === 'confirmed' &&
      (b.studentId === userId || teaching.has(b.teacherId)) &&
      clashes(slot, { start: Date.parse(b.start), end: Date.parse(b.end) }, 0),
  );
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
  if (now > Date.parse(booking.start) - policy.cancellationCutoffMinutes * 60_000) throw new AppError('cancellation_closed');
  return { ...booking, status: 'cancelled', sequence: booking.sequence + 1, cancelledAt: toUtcIso(now) };
}

export function replaceBooking(data: SkillshareData, booking: Booking): SkillshareData {
  return { ...data, bookings: data.bookings.map((b) => (b.id === booking.id ? booking : b)) };
}
