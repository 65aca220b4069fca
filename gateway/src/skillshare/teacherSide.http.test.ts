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

const profile = {
  bio: 'Climbing coach and route setter.',
  skills: ['climbing'],
  hourlyRate: 42.5,
  timeZone: 'America/Denver',
  availability: { weekly: [{ day: 'tue', start: '09:00', end: '12:00' }], datesOff: [], extraHours: [] },
};
const privateLesson = { title: 'Bouldering technique', skill: 'climbing', level: 'beginner', durationMinutes: 60, price: 40, capacity: 1 };
const groupClass = { ...privateLesson, title: 'Rope basics (group)', price: 15.5, capacity: 3 };

async function teacher(user = 'cleo', courses = [privateLesson]) {
  const t = (await s.call('POST', '/teachers/me', { user, body: profile })).body.teacher as { id: string };
  const ids: string[] = [];
  for (const c of courses) ids.push((await s.call('POST', '/teachers/me/courses', { user, body: c })).body.course.id);
  return { id: t.id, courses: ids };
}

function calendarOf(mail: OutgoingMail) {
  const file = mail.attachments![0]!;
  const lines = icsLines(String(file.content));
  const get = (name: string) => lines.find((l) => l.startsWith(`${name}:`) || l.startsWith(`${name};`))?.replace(/^[^:]+:/, '');
  return { method: get('METHOD'), uid: get('UID'), sequence: get('SEQUENCE'), start: get('DTSTART'), contentType: file.contentType };
}

const mailTo = (to: string) => s.mailer.sent.filter((m) => m.to === to);

describe('what a teacher is offered on their own page', () => {
  it('offers no slot to the teacher themselves, and all of them to others', async () => {
    const { id } = await teacher();
    const own = await s.call('GET', `/teachers/${id}?tz=America/Denver`, { user: 'cleo' });
    expect(own.status).toBe(200);
    expect(own.body.viewer).toBe('owner');
    expect(own.body.slots).toEqual([]);
    const visitor = await s.call('GET', `/teachers/${id}?tz=America/Denver`);
    expect(visitor.body.viewer).toBe('anonymous');
    expect(visitor.body.slots.length).toBeGreaterThan(0);
    const student = await s.call('GET', `/teachers/${id}?tz=America/Denver`, { user: 'dan' });
    expect(student.body.viewer).toBe('student');
    expect(student.body.slots).toEqual(visitor.body.slots);
  });

  it('leaves out slots that clash with the student’s own bookings, and says how many', async () => {
    const { courses } = await teacher();
    // 09:00 Denver on Tuesday is 17:00 Berlin: Dan is busy then.
    expect((await s.call('POST', '/booking', { user: 'dan', body: { courseId: courses[0], start: '2026-03-03T09:00:00-07:00' } })).status).toBe(201);
    const clashing = '2026-03-03T17:00:00+01:00';
    const visitor = await s.call('GET', '/teachers/t-sofia-martinez?tz=Europe/Berlin');
    expect(visitor.body.slots.some((x: { start: string }) => x.start === clashing)).toBe(true);
    const dan = await s.call('GET', '/teachers/t-sofia-martinez?tz=Europe/Berlin', { user: 'dan' });
    expect(dan.body.slots.some((x: { start: string }) => x.start === clashing)).toBe(false);
    expect(dan.body.hiddenClashes).toBeGreaterThan(0);
    expect(dan.body.slots.length + dan.body.hiddenClashes).toBe(visitor.body.slots.length);
  });
});

describe('moving a booking', () => {
  it('offers the times next to the booking being moved (?moving=), and only for the student’s own booking', async () => {
    const { id: teacherId, courses } = await teacher();
    const booked = (await s.call('POST', '/booking', { user: 'dan', body: { courseId: courses[0], start: '2026-03-03T09:00:00-07:00' } })).body.booking.id;
    const starts = async (user: string, query = '') =>
      (await s.call('GET', `/teachers/${teacherId}?tz=America/Denver${query}`, { user })).body.slots.map((x: { start: string }) => x.start);
    expect(await starts('dan')).not.toContain('2026-03-03T09:30:00-07:00');
    expect(await starts('dan', `&moving=${booked}`)).toContain('2026-03-03T09:30:00-07:00');
    // Someone else's booking id changes nothing, and says nothing.
    expect(await starts('eve', `&moving=${booked}`)).toEqual(await starts('eve'));
    const moved = await s.call('POST', `/booking/${booked}/reschedule`, { user: 'dan', body: { start: '2026-03-03T09:30:00-07:00' } });
    expect(moved.status).toBe(200);
    expect((await s.call('POST', `/booking/${booked}/reschedule`, { user: 'dan', body: { start: '2026-03-03T09:30:00-07:00' } })).status).toBe(400);
  });
});

describe('the teacher hears about every booking', () => {
  it('mails the teacher on book, reschedule and cancel, with the student’s UID and methods', async () => {
    const { courses } = await teacher();
    const booked = await s.call('POST', '/booking', { user: 'dan', body: { courseId: courses[0], start: '2026-03-03T09:00:00-07:00' } });
    const id = booked.body.booking.id as string;
    await vi.waitFor(() => expect(mailTo('cleo@example.test')).toHaveLength(1));
    const [studentInvite] = mailTo('dan@example.test');
    const [teacherInvite] = mailTo('cleo@example.test');
    expect(teacherInvite!.subject).toBe('New booking: Bouldering technique with User dan');
    expect(teacherInvite!.text).toContain('Tue 3 Mar 2026, 09:00–10:00 MST');
    expect(teacherInvite!.text).not.toContain('dan@example.test');
    const uid = calendarOf(studentInvite!).uid;
    expect(uid).toBe(`booking-${id}@geovault.local`);
    expect(calendarOf(teacherInvite!)).toMatchObject({ method: 'REQUEST', uid, sequence: '0', contentType: 'text/calendar; charset=utf-8; method=REQUEST' });

    const moved = await s.call('POST', `/booking/${id}/reschedule`, { user: 'dan', body: { start: '2026-03-03T11:00:00-07:00' } });
    expect(moved.status).toBe(200);
    expect(moved.body.booking).toMatchObject({ id, start: '2026-03-03T11:00:00-07:00', status: 'confirmed' });
    await vi.waitFor(() => expect(mailTo('cleo@example.test')).toHaveLength(2));
    const teacherMove = mailTo('cleo@example.test')[1]!;
    const studentMove = mailTo('dan@example.test')[1]!;
    expect(teacherMove.subject).toBe('Moved: Bouldering technique with User dan');
    expect(teacherMove.text).toContain('(was Tue 3 Mar 2026, 09:00–10:00 MST) to Tue 3 Mar 2026, 11:00–12:00 MST');
    expect(studentMove.subject).toMatch(/^Moved: /);
    for (const m of [teacherMove, studentMove]) expect(calendarOf(m)).toMatchObject({ method: 'REQUEST', uid, sequence: '1', start: '20260303T180000Z' });
    // The seat it left is free again.
    const slots = (await s.call('GET', `/teachers/${booked.body.booking.teacherId}?tz=America/Denver`)).body.slots.map((x: { start: string }) => x.start);
    expect(slots).toContain('2026-03-03T09:00:00-07:00');

    const cancelled = await s.call('POST', `/booking/${id}/cancel`, { user: 'dan' });
    expect(cancelled.status).toBe(200);
    // What the dashboard's banner says rests on this: only true when a mail really goes out.
    expect(cancelled.body.teacherNotified).toBe(true);
    await vi.waitFor(() => expect(mailTo('cleo@example.test')).toHaveLength(3));
    const teacherCancel = mailTo('cleo@example.test')[2]!;
    expect(teacherCancel.subject).toBe('Cancelled: Bouldering technique with User dan');
    expect(calendarOf(teacherCancel)).toMatchObject({ method: 'CANCEL', uid, sequence: '2', contentType: 'text/calendar; charset=utf-8; method=CANCEL' });
  });

  it('lets the teacher cancel a group session: every student mailed, seats freed, same cut-off', async () => {
    const { courses } = await teacher('cleo', [groupClass]);
    const start = '2026-03-03T10:00:00-07:00';
    const ids: string[] = [];
    for (const u of ['dan', 'eve']) ids.push((await s.call('POST', '/booking', { user: u, body: { courseId: courses[0], start } })).body.booking.id);
    await vi.waitFor(() => expect(s.mailer.sent).toHaveLength(4));

    expect((await s.call('POST', '/teachers/me/sessions/cancel', { user: 'mallory', body: { courseId: courses[0], start } })).status).toBe(404);
    expect((await s.call('POST', '/teachers/me/sessions/cancel', { user: 'cleo', body: { courseId: courses[0] } })).status).toBe(400);
    const cancelled = await s.call('POST', '/teachers/me/sessions/cancel', { user: 'cleo', body: { courseId: courses[0], start } });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.cancelled.map((b: { id: string }) => b.id).sort()).toEqual([...ids].sort());
    await vi.waitFor(() => expect(s.mailer.sent).toHaveLength(8));
    for (const [u, id] of [['dan', ids[0]], ['eve', ids[1]]] as const) {
      const mail = mailTo(`${u}@example.test`)[1]!;
      expect(mail.subject).toBe('Cancelled by User cleo: Rope basics (group)');
      expect(calendarOf(mail)).toMatchObject({ method: 'CANCEL', uid: `booking-${id}@geovault.local`, sequence: '1' });
    }
    expect(mailTo('cleo@example.test').filter((m) => m.subject.startsWith('You cancelled'))).toHaveLength(2);
    expect(s.store.read().bookings.every((b) => b.status === 'cancelled' && b.cancelledBy === 'teacher')).toBe(true);
    const slot = (await s.call('GET', `/teachers/${s.store.read().teachers.at(-1)!.id}?tz=America/Denver`)).body.slots.find((x: { start: string }) => x.start === start);
    expect(slot.seatsLeft).toBe(3);

    // Within 4 hours of the start, the teacher cannot cancel either.
    const late = '2026-03-03T11:00:00-07:00';
    await s.call('POST', '/booking', { user: 'dan', body: { courseId: courses[0], start: late } });
    s.clock.set('2026-03-03T15:30:00Z');
    const refused = await s.call('POST', '/teachers/me/sessions/cancel', { user: 'cleo', body: { courseId: courses[0], start: late } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('cancellation_closed');
  });
});

describe('the cancellation answer', () => {
  it('says the teacher was not told when no mail could reach them (a seeded teacher)', async () => {
    const slot = (await s.call('GET', '/teachers/t-lukas-becker?tz=UTC')).body.slots[0];
    const id = (await s.call('POST', '/booking', { user: 'dan', body: { courseId: slot.courseId, start: slot.start } })).body.booking.id;
    const res = await s.call('POST', `/booking/${id}/cancel`, { user: 'dan' });
    expect(res.body).toMatchObject({ booking: { id, status: 'cancelled' }, teacherNotified: false });
    expect((await s.call('POST', `/booking/${id}/cancel`, { user: 'dan' })).body.teacherNotified).toBe(false);
  });
});

describe('the teacher dashboard', () => {
  it('lists sessions with students by name, seats taken, cancellations and earnings per month', async () => {
    const { courses } = await teacher('cleo', [privateLesson, groupClass]);
    const group = '2026-03-03T11:00:00-07:00';
    await s.call('POST', '/booking', { user: 'dan', body: { courseId: courses[1], start: group } });
    await s.call('POST', '/booking', { user: 'eve', body: { courseId: courses[1], start: group } });
    const gone = (await s.call('POST', '/booking', { user: 'fay', body: { courseId: courses[0], start: '2026-03-03T09:00:00-07:00' } })).body.booking.id;
    await s.call('POST', `/booking/${gone}/cancel`, { user: 'fay' });

    expect((await s.call('GET', '/teachers/me/dashboard', { user: 'dan' })).status).toBe(404);
    expect((await s.call('GET', '/teachers/me/dashboard')).status).toBe(401);
    expect((await s.call('GET', '/teachers/me/dashboard?tz=Mars/Olympus', { user: 'cleo' })).status).toBe(400);
    const dash = await s.call('GET', '/teachers/me/dashboard?tz=America/Denver', { user: 'cleo' });
    expect(dash.status).toBe(200);
    expect(dash.headers.get('cache-control')).toBe('no-store');
    expect(dash.body.upcoming).toEqual([
      expect.objectContaining({ courseTitle: 'Rope basics (group)', start: group, capacity: 3, seatsTaken: 2, cancellable: true }),
    ]);
    expect(dash.body.upcoming[0].students.map((x: { name: string }) => x.name).sort()).toEqual(['User dan', 'User eve']);
    expect(JSON.stringify(dash.body)).not.toContain('@example.test');
    expect(dash.body.cancellations).toEqual([expect.objectContaining({ bookingId: gone, studentName: 'User fay', cancelledBy: 'student' })]);
    expect(dash.body.earnings).toEqual([{ month: '2026-03', currency: 'USD', earned: 0, expected: 31, lessons: 2 }]);

    s.clock.set('2026-03-04T08:00:00Z');
    const later = await s.call('GET', '/teachers/me/dashboard?tz=America/Denver', { user: 'cleo' });
    expect(later.body.upcoming).toEqual([]);
    expect(later.body.past).toHaveLength(1);
    expect(later.body.earnings[0]).toMatchObject({ earned: 31, expected: 0 });
  });
});

describe('profiles', () => {
  it('lists reviews with their dates and the rating distribution', async () => {
    const { id, courses } = await teacher();
    const b = (await s.call('POST', '/booking', { user: 'dan', body: { courseId: courses[0], start: '2026-03-03T09:00:00-07:00' } })).body.booking.id;
    s.clock.set('2026-03-04T08:00:00Z');
    expect((await s.call('POST', `/booking/${b}/review`, { user: 'dan', body: { rating: 4, comment: 'Clear and patient.' } })).status).toBe(201);
    const detail = (await s.call('GET', `/teachers/${id}?tz=UTC`)).body;
    expect(detail.reviews).toEqual([{ rating: 4, comment: 'Clear and patient.', createdAt: '2026-03-04T08:00:00.000Z', author: 'User d.' }]);
    expect(detail.ratingDistribution).toEqual([0, 0, 0, 1, 0]);
    expect(detail.teacher.photoUrl).toBeNull();
  });

  it('refuses the same weekly window twice, and overlapping ones, by name', async () => {
    const twice = { ...profile, availability: { ...profile.availability, weekly: [{ day: 'mon', start: '09:00', end: '12:00' }, { day: 'mon', start: '09:00', end: '12:00' }] } };
    const res = await s.call('POST', '/teachers/me', { user: 'cleo', body: twice });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe('availability.weekly.1: Monday 09:00–12:00 is listed twice');
    const overlap = { ...profile, availability: { ...profile.availability, weekly: [{ day: 'mon', start: '09:00', end: '12:00' }, { day: 'mon', start: '11:00', end: '13:00' }] } };
    expect((await s.call('POST', '/teachers/me', { user: 'cleo', body: overlap })).body.error.message).toBe('availability.weekly.1: Monday 11:00–13:00 overlaps 09:00–12:00');
    const otherDays = { ...profile, availability: { ...profile.availability, weekly: [{ day: 'mon', start: '09:00', end: '12:00' }, { day: 'tue', start: '09:00', end: '12:00' }] } };
    expect((await s.call('POST', '/teachers/me', { user: 'cleo', body: otherDays })).status).toBe(201);
  });

  it('refuses a photo from someone without a profile, and anything that is not an image', async () => {
    const noProfile = await fetch(`${s.baseUrl}/teachers/me/photo`, { method: 'PUT', headers: { 'x-test-user': 'zed', 'content-type': 'image/png' }, body: new Uint8Array([1, 2, 3]) });
    expect(noProfile.status).toBe(404);
    await teacher();
    const text = await fetch(`${s.baseUrl}/teachers/me/photo`, { method: 'PUT', headers: { 'x-test-user': 'cleo', 'content-type': 'text/plain' }, body: 'hello' });
    expect(text.status).toBe(415);
    const junk = await fetch(`${s.baseUrl}/teachers/me/photo`, { method: 'PUT', headers: { 'x-test-user': 'cleo', 'content-type': 'image/png' }, body: new Uint8Array([1, 2, 3]) });
    expect(junk.status).toBe(400);
    expect(((await junk.json()) as { error: { code: string } }).error.code).toBe('invalid_request');
  });
});
