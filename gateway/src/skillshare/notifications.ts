/**
 * Booking mails for both sides: a plain-text note plus an .ics. The student's and the
 * teacher's files describe the same event (same UID and SEQUENCE), so a booking, its moves and
 * its cancellation update one entry in each calendar.
 */
import type { Logger } from 'pino';
import type { Mailer, OutgoingMail } from '../mail/mailer';
import { bookingCalendar } from './calendar';
import type { CalendarMethod } from './calendar';
import { describeSpan } from './time';
import type { Booking, Course, Teacher } from './types';

export interface BookingMailContext {
  booking: Booking;
  course: Course;
  teacher: Teacher;
  now: number;
  /** Zone for the times in the student's text (the offset the student booked with). */
  zone: string;
  freeCancellationHours: number;
}

/** Where the teacher's mails go: the account behind the profile (seeded teachers have none). */
export interface TeacherContact {
  email: string;
}

/** What happened to the booking; `cancelled` says by whom, the mails word it differently. */
export type BookingEvent = 'booked' | 'moved' | 'cancelled-by-student' | 'cancelled-by-teacher';

const methodOf = (event: BookingEvent): CalendarMethod => (event.startsWith('cancelled') ? 'CANCEL' : 'REQUEST');

export function confirmationMail(ctx: BookingMailContext): OutgoingMail {
  return studentMail('booked', ctx);
}

export function cancellationMail(ctx: BookingMailContext): OutgoingMail {
  return studentMail(ctx.booking.cancelledBy === 'teacher' ? 'cancelled-by-teacher' : 'cancelled-by-student', ctx);
}

export function studentMail(event: BookingEvent, ctx: BookingMailContext): OutgoingMail {
  const { booking, course, teacher } = ctx;
  const when = describeSpan(Date.parse(booking.start), Date.parse(booking.end), ctx.zone);
  const lines: Record<BookingEvent, { subject: string; body: string[] }> = {
    booked: {
      subject: `Booked: ${course.title} with ${teacher.name}`,
      body: [
        `your session "${course.title}" with ${teacher.name} is booked for ${when}.`,
        `The attached invitation adds it to your calendar. You can cancel free of charge until ${ctx.freeCancellationHours} hours before the start.`,
      ],
    },
    moved: {
      subject: `Moved: ${course.title} with ${teacher.name}`,
      body: [
        `your session "${course.title}" with ${teacher.name}${wasText(booking, ctx.zone)} is now on ${when}.`,
        `The attached update moves it in your calendar. ${teacher.name} has been told.`,
      ],
    },
    'cancelled-by-student': {
      subject: `Cancelled: ${course.title} with ${teacher.name}`,
      body: [`your session "${course.title}" with ${teacher.name} on ${when} is cancelled.`, `The attached update removes it from your calendar.`],
    },
    'cancelled-by-teacher': {
      subject: `Cancelled by ${teacher.name}: ${course.title}`,
      body: [
        `${teacher.name} has cancelled the session "${course.title}" on ${when}. You are not charged.`,
        `The attached update removes it from your calendar. You can book another time on ${teacher.name}'s page.`,
      ],
    },
  };
  const { subject, body } = lines[event];
  return {
    to: booking.studentEmail,
    subject,
    text: [`Hello ${booking.studentName},`, '', ...body, '', `Booking reference: ${booking.id}`].join('\n'),
    attachments: [invitation(methodOf(event), ctx)],
  };
}

/** The teacher's copy: who, when (on the teacher's clock) and the same calendar event. */
export function teacherMail(event: BookingEvent, ctx: BookingMailContext, to: TeacherContact): OutgoingMail {
  const { booking, course, teacher } = ctx;
  const when = describeSpan(Date.parse(booking.start), Date.parse(booking.end), teacher.timeZone);
  const student = booking.studentName;
  const lines: Record<BookingEvent, { subject: string; body: string }> = {
    booked: { subject: `New booking: ${course.title} with ${student}`, body: `${student} has booked "${course.title}" on ${when}.` },
    moved: { subject: `Moved: ${course.title} with ${student}`, body: `${student} has moved "${course.title}"${wasText(booking, teacher.timeZone)} to ${when}.` },
    'cancelled-by-student': { subject: `Cancelled: ${course.title} with ${student}`, body: `${student} has cancelled "${course.title}" on ${when}; the seat is free again.` },
    'cancelled-by-teacher': {
      subject: `You cancelled: ${course.title} with ${student}`,
      body: `You have cancelled "${course.title}" on ${when}; ${student} has been told.`,
    },
  };
  const { subject, body } = lines[event];
  return {
    to: to.email,
    subject,
    // The profile's name, checked as a display name, rather than the account's (which may predate the check).
    text: [`Hello ${teacher.name},`, '', body, 'Your SkillShare dashboard lists all your sessions.', '', `Booking reference: ${booking.id}`].join('\n'),
    attachments: [invitation(methodOf(event), ctx)],
  };
}

function wasText(booking: Booking, zone: string): string {
  const from = booking.movedFrom;
  return from ? ` (was ${describeSpan(Date.parse(from.start), Date.parse(from.end), zone)})` : '';
}

function invitation(method: CalendarMethod, ctx: BookingMailContext) {
  return {
    filename: method === 'CANCEL' ? 'cancel.ics' : 'invite.ics',
    content: bookingCalendar(method, ctx.booking, ctx.course, ctx.teacher, ctx.now),
    // The method parameter must match METHOD inside the file (RFC 6047) for clients to act on it.
    contentType: `text/calendar; charset=utf-8; method=${method}`,
  };
}

/**
 * Sends after the HTTP answer has gone: the booking is already committed, so a slow or failing
 * SMTP server must not turn it into an error, and building the .ics (the ics package validates
 * with yup, up to tens of ms) should not delay the response either. Failures are logged.
 */
export function sendInBackground(mailer: Mailer, build: () => OutgoingMail, logger: Logger, bookingId: string): void {
  setImmediate(() => {
    const failed = (err: unknown) => logger.error({ err, bookingId }, 'booking mail failed');
    try {
      const mail = build();
      mailer.send(mail).then(() => logger.debug({ bookingId, subject: mail.subject }, 'booking mail sent'), failed);
    } catch (err) {
      failed(err);
    }
  });
}
