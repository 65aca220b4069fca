/** Booking mails: a plain-text note plus an .ics the student's calendar can import. */
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
  /** Zone for the times in the text (the offset the student booked with). */
  zone: string;
  freeCancellationHours: number;
}

export function confirmationMail(ctx: BookingMailContext): OutgoingMail {
  const { booking, course, teacher } = ctx;
  const when = describeSpan(Date.parse(booking.start), Date.parse(booking.end), ctx.zone);
  return {
    to: booking.studentEmail,
    subject: `Booked: ${course.title} with ${teacher.name}`,
    text: [
      `Hello ${booking.studentName},`,
      '',
      `your session "${course.title}" with ${teacher.name} is booked for ${when}.`,
      `The attached invitation adds it to your calendar. You can cancel free of charge until ${ctx.freeCancellationHours} hours before the start.`,
      '',
      `Booking reference: ${booking.id}`,
    ].join('\n'),
    attachments: [invitation('REQUEST', ctx)],
  };
}

export function cancellationMail(ctx: BookingMailContext): OutgoingMail {
  const { booking, course, teacher } = ctx;
  const when = describeSpan(Date.parse(booking.start), Date.parse(booking.end), ctx.zone);
  return {
    to: booking.studentEmail,
    subject: `Cancelled: ${course.title} with ${teacher.name}`,
    text: [
      `Hello ${booking.studentName},`,
      '',
      `your session "${course.title}" with ${teacher.name} on ${when} is cancelled.`,
      `The attached update removes it from your calendar.`,
      '',
      `Booking reference: ${booking.id}`,
    ].join('\n'),
    attachments: [invitation('CANCEL', ctx)],
  };
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
