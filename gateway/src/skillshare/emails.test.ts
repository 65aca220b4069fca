import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { OutgoingMail } from '../mail/mailer';
import { icsLines, startSkillshareServer } from './testSupport';
import type { TestServer } from './testSupport';

let s: TestServer;
beforeEach(async () => {
  s = await startSkillshareServer({ now: '2026-03-02T08:00:00Z' });
});
afterEach(async () => {
  await s.close();
});

/** A small structural parse: properties of the calendar and of its single VEVENT. */
function parseCalendar(text: string) {
  const lines = icsLines(text);
  expect(lines[0]).toBe('BEGIN:VCALENDAR');
  expect(lines[lines.length - 1]).toBe('END:VCALENDAR');
  const begin = lines.indexOf('BEGIN:VEVENT');
  const end = lines.indexOf('END:VEVENT');
  expect(begin).toBeGreaterThan(0);
  expect(end).toBeGreaterThan(begin);
  expect(lines.filter((l) => l === 'BEGIN:VEVENT')).toHaveLength(1);
  const props = (part: string[]) => new Map(part.map((l) => [l.slice(0, l.search(/[:;]/)), l.slice(l.indexOf(':') + 1)]));
  return { calendar: props(lines.slice(1, begin)), event: props(lines.slice(begin + 1, end)), raw: lines };
}

function attachment(mail: OutgoingMail | undefined) {
  expect(mail?.attachments).toHaveLength(1);
  const file = mail!.attachments![0]!;
  return { ...file, text: String(file.content) };
}

describe('booking mails', () => {
  it('confirms with an invitation a calendar can import, then cancels the same event', async () => {
    const booked = await s.call('POST', '/booking', {
      user: 'alice',
      body: { courseId: 'c-chess-game-analysis', start: '2026-03-03T18:00:00+01:00' },
    });
    const id = booked.body.booking.id as string;
    await vi.waitFor(() => expect(s.mailer.sent).toHaveLength(1));
    const confirmation = s.mailer.sent[0]!;
    expect(confirmation.to).toBe('alice@example.test');
    expect(confirmation.subject).toBe('Booked: Chess: analyse your games with Lukas Becker');
    expect(confirmation.text).toContain('Tue 3 Mar 2026, 18:00–19:00 UTC+1');
    expect(confirmation.text).toContain('until 4 hours before');
    const invite = attachment(confirmation);
    expect(invite.filename).toMatch(/\.ics$/);
    expect(invite.contentType).toBe('text/calendar; charset=utf-8; method=REQUEST');
    const request = parseCalendar(invite.text);
    expect(request.calendar.get('METHOD')).toBe('REQUEST');
    expect(request.event.get('DTSTART')).toBe('20260303T170000Z');
    expect(request.event.get('DTEND')).toBe('20260303T180000Z');
    expect(request.event.get('UID')).toBe(`booking-${id}@geovault.local`);
    expect(request.event.get('SEQUENCE')).toBe('0');
    expect(request.event.get('STATUS')).toBe('CONFIRMED');
    expect(request.event.get('DTSTAMP')).toBe('20260302T080000Z');
    expect(request.event.get('ORGANIZER')).toContain('skillshare@geovault.local');
    expect(request.event.get('ATTENDEE')).toContain('alice@example.test');

    s.clock.set('2026-03-02T09:30:00Z');
    expect((await s.call('POST', `/booking/${id}/cancel`, { user: 'alice' })).status).toBe(200);
    await vi.waitFor(() => expect(s.mailer.sent).toHaveLength(2));
    const cancellation = s.mailer.sent[1]!;
    expect(cancellation.subject).toMatch(/^Cancelled: /);
    const cancel = attachment(cancellation);
    expect(cancel.contentType).toBe('text/calendar; charset=utf-8; method=CANCEL');
    const parsed = parseCalendar(cancel.text);
    expect(parsed.calendar.get('METHOD')).toBe('CANCEL');
    expect(parsed.event.get('UID')).toBe(request.event.get('UID'));
    expect(parsed.event.get('SEQUENCE')).toBe('1');
    expect(parsed.event.get('STATUS')).toBe('CANCELLED');
    expect(parsed.event.get('DTSTART')).toBe('20260303T170000Z');
    expect(parsed.event.get('DTSTAMP')).toBe('20260302T093000Z');
  });

  it('keeps the booking when the mailer fails', async () => {
    s.mailer.send = () => Promise.reject(new Error('SMTP down'));
    const booked = await s.call('POST', '/booking', {
      user: 'alice',
      body: { courseId: 'c-chess-game-analysis', start: '2026-03-03T18:00:00+01:00' },
    });
    expect(booked.status).toBe(201);
    expect(s.store.read().bookings).toHaveLength(1);
  });
});
