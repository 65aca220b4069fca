/**
 * Booking, cancellation and review: each runs its check-and-commit inside the store's mutex,
 * then sends mail after the commit. Routes stay thin; this is where ordering matters.
 */
import type { Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { AppError } from '../errors';
import type { AuthenticatedUser } from '../auth/authenticatedUser';
import type { Mailer } from '../mail/mailer';
import { decideBooking, decideCancel, decideReschedule, decideSessionCancel, ownBooking, replaceBooking, replaceBookings } from './bookings';
import type { BookingRequest } from './bookings';
import { findRecord, fingerprintOf, RefusalMemory, remember, rescheduleFingerprintOf } from './idempotency';
import type { KeyLimits } from './idempotency';
import { sendInBackground, studentMail, teacherMail } from './notifications';
import type { BookingEvent, BookingMailContext, TeacherContact } from './notifications';
import type { SkillsharePolicy } from './policy';
import { decideReview } from './reviews';
import type { ReviewBody } from './schemas';
import type { Change, SkillshareStore } from './store';
import type { Booking, BookingResponseBody, Review, SkillshareData } from './types';
import { bookingDetailView, bookingView } from './views';
import type { BookingDetailView, BookingView } from './views';

export interface BookingServiceDeps {
  store: SkillshareStore;
  mailer: Mailer;
  now: () => number;
  logger: Logger;
  policy: SkillsharePolicy;
  /** The account behind a teacher profile, for the teacher's mails; undefined = no mail. */
  contactOf?: (userId: string) => TeacherContact | undefined;
  /** Where refused answers are kept; one sized by `policy` unless a test wants to look inside. */
  refusals?: RefusalMemory;
}

export interface BookingResult {
  status: number;
  body: BookingResponseBody;
  replayed: boolean;
}

export function createBookingService({ store, mailer, now, logger, policy, contactOf = () => undefined, refusals = new RefusalMemory(keyLimitsOf(policy)) }: BookingServiceDeps) {
  const log = logger.child({ component: 'skillshare-bookings' });
  const keyLimits = keyLimitsOf(policy);

  function mailContext(data: SkillshareData, booking: Booking, at: number, zone: string): BookingMailContext | null {
    const course = data.courses.find((c) => c.id === booking.courseId);
    const teacher = data.teachers.find((t) => t.id === booking.teacherId);
    const freeCancellationHours = policy.cancellationCutoffMinutes / 60;
    return course && teacher ? { booking, course, teacher, now: at, zone, freeCancellationHours } : null;
  }

  /**
   * Mails both sides about a committed change; `zone` is the clock the student reads. Answers
   * whether the teacher is mailed: a seeded teacher has no account, and the dashboard must not
   * claim otherwise.
   */
  function notify(event: BookingEvent, booking: Booking, zone: string): boolean {
    const ctx = mailContext(store.read(), booking, now(), zone);
    if (ctx === null) return false;
    sendInBackground(mailer, () => studentMail(event, ctx), log, booking.id);
    const contact = ctx.teacher.userId === null ? undefined : contactOf(ctx.teacher.userId);
    if (contact !== undefined) sendInBackground(mailer, () => teacherMail(event, ctx, contact), log, booking.id);
    return contact !== undefined;
  }

  /**
   * The Idempotency-Key handling shared by booking and rescheduling, inside the store's mutex:
   * a stored or remembered answer is replayed, a key reused for another request refused, and a
   * new answer (success or catalogue refusal) remembered. `decide` returns the booking written.
   */
  function idempotent(
    data: SkillshareData,
    user: AuthenticatedUser,
    key: string | undefined,
    fingerprint: string,
    decide: (at: number) => { booking: Booking; next: SkillshareData; status: number; zone: string },
  ): Change<{ outcome: BookingResult; booking: Booking | null }> {
    const at = now();
    if (key !== undefined) {
      const seen = findRecord(data, user.id, key, at, policy.idempotencyTtlMs) ?? refusals.find(user.id, key, at);
      if (seen !== undefined && seen.fingerprint !== fingerprint) {
        throw new AppError('conflict', 'This Idempotency-Key was already used for a different request.');
      }
      if (seen !== undefined) return { result: { outcome: { status: seen.status, body: seen.body, replayed: true }, booking: null } };
    }
    let outcome: BookingResult;
    let booking: Booking | null = null;
    let next = data;
    try {
      // One instant for the decision and the record, as when this was booking's alone.
      const decided = decide(at);
      booking = decided.booking;
      next = decided.next;
      outcome = { status: decided.status, body: { booking: bookingView(booking, at, decided.zone) }, replayed: false };
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      outcome = { status: err.status, body: { error: { code: err.code, message: err.message } }, replayed: false };
    }
    if (key !== undefined) {
      const record = { userId: user.id, key, fingerprint, status: outcome.status, body: outcome.body, createdAt: at };
      if (booking !== null) next = remember(next, record, at, keyLimits);
      else refusals.remember(record, at);
    }
    return { result: { outcome, booking }, next };
  }

  /**
   * Books a slot. Catalogue errors (409, 404, 403) are returned rather than thrown so that they
   * can be remembered under the Idempotency-Key like a success.
   */
  async function book(user: AuthenticatedUser, request: BookingRequest, zone: string, key?: string): Promise<BookingResult> {
    const { outcome, booking } = await store.update((data) =>
      idempotent(data, user, key, fingerprintOf(request), (at) => {
        const created = decideBooking(data, user, request, at, policy, uuidv7);
        return { booking: created, next: { ...data, bookings: [...data.bookings, created] }, status: 201, zone };
      }),
    );
    if (booking !== null) {
      log.info({ bookingId: booking.id, courseId: booking.courseId, start: booking.start, userId: user.id }, 'booked');
      notify('booked', booking, zone);
    }
    return outcome;
  }

  /**
   * Moves a booking in one commit (see decideReschedule): the seat the student had is given up
   * in the same write that takes the new one, under the same mutex as every booking.
   */
  async function reschedule(user: AuthenticatedUser, bookingId: string, start: number, zone: string, key?: string): Promise<BookingResult> {
    const { outcome, booking } = await store.update((data) =>
      idempotent(data, user, key, rescheduleFingerprintOf(bookingId, start), (at) => {
        const moved = decideReschedule(data, user.id, bookingId, start, at, policy);
        return { booking: moved, next: replaceBooking(data, moved), status: 200, zone };
      }),
    );
    if (booking !== null) {
      log.info({ bookingId, from: booking.movedFrom?.start, to: booking.start, userId: user.id }, 'booking moved');
      notify('moved', booking, zone);
    }
    return outcome;
  }

  /** `teacherNotified`: whether this cancellation mailed the teacher (false on a repeat). */
  async function cancel(user: AuthenticatedUser, bookingId: string, zone: string): Promise<{ booking: BookingView; teacherNotified: boolean }> {
    const { booking, changed } = await store.update((data) => {
      const cancelled = decideCancel(data, user.id, bookingId, now(), policy);
      if (cancelled === null) return { result: { booking: ownBooking(data, user.id, bookingId), changed: false } };
      return { result: { booking: cancelled, changed: true }, next: replaceBooking(data, cancelled) };
    });
    let teacherNotified = false;
    if (changed) {
      log.info({ bookingId, userId: user.id }, 'booking cancelled');
      teacherNotified = notify('cancelled-by-student', booking, zone);
    }
    return { booking: bookingView(booking, now(), zone), teacherNotified };
  }

  /** A teacher cancels one of their sessions: every student on it is mailed, the seats freed. */
  async function cancelSession(user: AuthenticatedUser, courseId: string, start: number): Promise<Booking[]> {
    const cancelledNow = await store.update((data) => {
      const changed = decideSessionCancel(data, user.id, courseId, start, now(), policy);
      return changed.length === 0 ? { result: changed } : { result: changed, next: replaceBookings(data, changed) };
    });
    for (const b of cancelledNow) {
      log.info({ bookingId: b.id, courseId, teacherUserId: user.id }, 'session cancelled by the teacher');
      // The student's mail on the clock they booked with is lost after the fact; UTC is explicit.
      notify('cancelled-by-teacher', b, 'UTC');
    }
    return cancelledNow;
  }

  async function review(user: AuthenticatedUser, bookingId: string, body: ReviewBody): Promise<Review> {
    const created = await store.update((data) => {
      const { review: r, next } = decideReview(data, user.id, bookingId, body, now(), uuidv7);
      return { result: r, next };
    });
    log.info({ bookingId, teacherId: created.teacherId, rating: created.rating }, 'session reviewed');
    return created;
  }

  /** The student's bookings: upcoming (soonest first) and past (latest first). */
  function list(user: AuthenticatedUser, zone: string): { upcoming: BookingDetailView[]; past: BookingDetailView[] } {
    const data = store.read();
    const at = now();
    const reviews = new Map(data.reviews.map((r) => [r.bookingId, r]));
    const mine = data.bookings.filter((b) => b.studentId === user.id).sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
    const view = (b: Booking) => bookingDetailView(data, b, at, zone, reviews.get(b.id));
    return {
      upcoming: mine.filter((b) => Date.parse(b.end) > at).map(view),
      past: mine.filter((b) => Date.parse(b.end) <= at).reverse().map(view),
    };
  }

  return { book, reschedule, cancel, cancelSession, review, list };
}

export type BookingService = ReturnType<typeof createBookingService>;

function keyLimitsOf(policy: SkillsharePolicy): KeyLimits {
  return { ttlMs: policy.idempotencyTtlMs, perUser: policy.idempotencyKeysPerUser, total: policy.idempotencyKeysTotal };
}
