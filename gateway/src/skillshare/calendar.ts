/**
 * iCalendar files for booking mails (RFC 5546 iTIP): REQUEST on confirmation, CANCEL with a
 * bumped SEQUENCE on cancellation, both with the same UID so calendars update one event.
 */
import { createEvent } from 'ics';
import type { EventAttributes } from 'ics';
import type { Booking, Course, Teacher } from './types';

export const CALENDAR_DOMAIN = 'geovault.local';
const ORGANIZER_EMAIL = `skillshare@${CALENDAR_DOMAIN}`;

export type CalendarMethod = 'REQUEST' | 'CANCEL';

export function bookingUid(booking: Pick<Booking, 'id'>): string {
  return `booking-${booking.id}@${CALENDAR_DOMAIN}`;
}

export function bookingCalendar(method: CalendarMethod, booking: Booking, course: Course, teacher: Teacher, now: number): string {
  const attributes = {
    productId: 'geovault/skillshare',
    method,
    uid: bookingUid(booking),
    sequence: booking.sequence,
    // DTSTAMP from the injected clock keeps the file reproducible in tests.
    timestamp: now,
    title: `${course.title} with ${teacher.name}`,
    description: `SkillShare ${course.capacity > 1 ? 'group session' : 'private lesson'}: ${course.title} (${course.durationMinutes} min).`,
    start: Date.parse(booking.start),
    startInputType: 'utc',
    startOutputType: 'utc',
    end: Date.parse(booking.end),
    endInputType: 'utc',
    endOutputType: 'utc',
    status: method === 'CANCEL' ? 'CANCELLED' : 'CONFIRMED',
    organizer: { name: teacher.name, email: ORGANIZER_EMAIL },
    attendees: [
      {
        name: booking.studentName,
        email: booking.studentEmail,
        rsvp: false,
        partstat: method === 'CANCEL' ? 'DECLINED' : 'ACCEPTED',
        role: 'REQ-PARTICIPANT',
      },
    ],
  } satisfies EventAttributes & { timestamp: number };
  const { error, value } = createEvent(attributes);
  if (error !== null || value === null) throw new Error(`cannot build the calendar file: ${error?.message ?? 'no output'}`);
  return value;
}
