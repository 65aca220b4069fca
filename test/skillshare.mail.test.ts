import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayStack } from './support/gatewayStack';
import { mailbox, signUpAndLogIn } from './support/gatewayUser';
import type { ApiUser } from './support/gatewayUser';
import { waitFor } from './support/waitFor';

interface TeacherDetail {
  teacher: { id: string; name: string };
  slots: Array<{ courseId: string; start: string; end: string; seatsLeft: number }>;
}

describe('SkillShare mails through the real SMTP sink', () => {
  let stack: GatewayStack;

  beforeAll(async () => {
    stack = await GatewayStack.start({ profile: 'lan' });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('a booking and its cancellation each mail the student an importable .ics', async () => {
    const student = await signUpAndLogIn(stack.url);
    const { teachers } = (await (await fetch(`${stack.url}/api/skillshare/teachers`)).json()) as { teachers: Array<{ id: string }> };
    const detail = (await (await fetch(`${stack.url}/api/skillshare/teachers/${teachers[0]!.id}?tz=Europe/Berlin`)).json()) as TeacherDetail;
    const slot = detail.slots[0]!;
    expect(slot.start).toMatch(/[+-]\d\d:\d\d$/);

    const booked = await student.call('POST', '/api/skillshare/booking', { json: { courseId: slot.courseId, start: slot.start }, headers: { 'idempotency-key': crypto.randomUUID() } });
    expect(booked.status).toBe(201);
    const { booking } = (await booked.json()) as { booking: { id: string; start: string } };

    const confirmation = await waitFor('the confirmation mail', async () =>
      (await mailbox(stack.url)).find((m) => m.to.includes(student.email) && m.attachments?.some((a) => a.filename.endsWith('.ics')) && /^Booked:/.test(m.subject)),
    );
    const ics = confirmation.attachments!.find((a) => a.filename.endsWith('.ics'))!;
    expect(ics.contentType).toMatch(/^text\/calendar/);
    expect(ics.content).toMatch(/BEGIN:VCALENDAR/);
    expect(ics.content).toMatch(/METHOD:REQUEST/);
    expect(ics.content).toMatch(/BEGIN:VEVENT[\s\S]*END:VEVENT/);
    const utcStart = new Date(booking.start).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    expect(ics.content).toContain(`DTSTART:${utcStart}`);
    const uid = /UID:(.+)/.exec(ics.content)?.[1]?.trim();
    expect(uid).toBeTruthy();

    expect((await student.call('POST', `/api/skillshare/booking/${booking.id}/cancel`)).status).toBe(200);
    const cancellation = await waitFor('the cancellation mail', async () =>
      (await mailbox(stack.url)).find((m) => m.to.includes(student.email) && /^Cancel/i.test(m.subject)),
    );
    const cancelIcs = cancellation.attachments!.find((a) => a.filename.endsWith('.ics'))!;
    expect(cancelIcs.content).toMatch(/METHOD:CANCEL/);
    expect(cancelIcs.content).toContain(`UID:${uid}`);
    expect(cancelIcs.content).toMatch(/SEQUENCE:[1-9]/);
  });

  /** A teacher with an account (so with an address), open every day 08:00–20:00 UTC. */
  async function newTeacher(): Promise<{ user: ApiUser; teacherId: string; courseId: string }> {
    const user = await signUpAndLogIn(stack.url);
    const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
    const profile = await user.call('POST', '/api/skillshare/teachers/me', {
      json: {
        name: 'Tess Teacher',
        bio: 'Watercolour painter.',
        skills: ['painting'],
        hourlyRate: 30,
        timeZone: 'UTC',
        availability: { weekly: days.map((day) => ({ day, start: '08:00', end: '20:00' })), datesOff: [], extraHours: [] },
      },
    });
    expect(profile.status).toBe(201);
    const { teacher } = (await profile.json()) as { teacher: { id: string } };
    const course = await user.call('POST', '/api/skillshare/teachers/me/courses', {
      json: { title: 'Wet on wet', skill: 'painting', level: 'all', durationMinutes: 60, price: 30, capacity: 1 },
    });
    expect(course.status).toBe(201);
    return { user, teacherId: teacher.id, courseId: ((await course.json()) as { course: { id: string } }).course.id };
  }

  const icsOf = (m: { attachments?: Array<{ filename: string; content: string; contentType: string }> }) => m.attachments!.find((a) => a.filename.endsWith('.ics'))!;
  const field = (ics: string, name: string) => new RegExp(`^${name}:(.+)$`, 'm').exec(ics.replace(/\r\n[ \t]/g, ''))?.[1]?.trim();
  const mailsTo = async (to: string, subject: RegExp) => (await mailbox(stack.url)).filter((m) => m.to.includes(to) && subject.test(m.subject));

  it('mails the teacher on book, reschedule and cancel by either side, with the student’s UID', async () => {
    const { user: teacher, teacherId, courseId } = await newTeacher();
    const student = await signUpAndLogIn(stack.url);
    const detail = (await (await student.call('GET', `/api/skillshare/teachers/${teacherId}?tz=UTC`)).json()) as TeacherDetail;
    const [first, , , , second] = detail.slots;
    const booked = await student.call('POST', '/api/skillshare/booking', { json: { courseId, start: first!.start }, headers: { 'idempotency-key': crypto.randomUUID() } });
    expect(booked.status).toBe(201);
    const { booking } = (await booked.json()) as { booking: { id: string } };

    const invite = await waitFor('the teacher’s booking mail', async () => (await mailsTo(teacher.email, /^New booking: Wet on wet/))[0]);
    const studentInvite = await waitFor('the student’s booking mail', async () => (await mailsTo(student.email, /^Booked:/))[0]);
    const uid = field(icsOf(studentInvite).content, 'UID');
    expect(uid).toBe(`booking-${booking.id}@geovault.local`);
    expect(icsOf(invite).contentType).toMatch(/^text\/calendar/);
    expect(field(icsOf(invite).content, 'METHOD')).toBe('REQUEST');
    expect(field(icsOf(invite).content, 'UID')).toBe(uid);
    expect(invite.text).not.toContain(student.email);

    const moved = await student.call('POST', `/api/skillshare/booking/${booking.id}/reschedule`, { json: { start: second!.start }, headers: { 'idempotency-key': crypto.randomUUID() } });
    expect(moved.status).toBe(200);
    for (const to of [teacher.email, student.email]) {
      const mail = await waitFor(`the move mail to ${to}`, async () => (await mailsTo(to, /^Moved: Wet on wet/))[0]);
      const ics = icsOf(mail).content;
      expect(field(ics, 'METHOD')).toBe('REQUEST');
      expect(field(ics, 'UID')).toBe(uid);
      expect(field(ics, 'SEQUENCE')).toBe('1');
      expect(field(ics, 'DTSTART')).toBe(new Date(second!.start).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, ''));
    }

    expect((await student.call('POST', `/api/skillshare/booking/${booking.id}/cancel`)).status).toBe(200);
    const cancel = await waitFor('the teacher’s cancellation mail', async () => (await mailsTo(teacher.email, /^Cancelled: Wet on wet/))[0]);
    expect(field(icsOf(cancel).content, 'METHOD')).toBe('CANCEL');
    expect(field(icsOf(cancel).content, 'UID')).toBe(uid);
    expect(field(icsOf(cancel).content, 'SEQUENCE')).toBe('2');

    // The teacher cancels a session: the student hears of it, the teacher's calendar drops it too.
    const again = await student.call('POST', '/api/skillshare/booking', { json: { courseId, start: first!.start }, headers: { 'idempotency-key': crypto.randomUUID() } });
    const second_ = ((await again.json()) as { booking: { id: string } }).booking;
    expect((await teacher.call('POST', '/api/skillshare/teachers/me/sessions/cancel', { json: { courseId, start: first!.start } })).status).toBe(200);
    const told = await waitFor('the student’s mail about the teacher’s cancellation', async () => (await mailsTo(student.email, /^Cancelled by Tess Teacher/))[0]);
    const own = await waitFor('the teacher’s own cancellation mail', async () => (await mailsTo(teacher.email, /^You cancelled: /))[0]);
    for (const m of [told, own]) {
      expect(field(icsOf(m).content, 'METHOD')).toBe('CANCEL');
      expect(field(icsOf(m).content, 'UID')).toBe(`booking-${second_.id}@geovault.local`);
    }
  });

  it('keeps a teacher photo as a thumbnail in the mesh and serves it to profiles', async () => {
    const { user: teacher, teacherId } = await newTeacher();
    const photo = await sharp({ create: { width: 1200, height: 800, channels: 3, background: { r: 200, g: 120, b: 40 } } }).jpeg().toBuffer();
    const stranger = await fetch(`${stack.url}/api/skillshare/teachers/me/photo`, { method: 'PUT', headers: { 'content-type': 'image/jpeg' }, body: photo });
    expect(stranger.status).toBe(401);
    const up = await teacher.call('PUT', '/api/skillshare/teachers/me/photo', { body: photo, headers: { 'content-type': 'image/jpeg' } });
    expect(up.status).toBe(200);
    const { teacher: view } = (await up.json()) as { teacher: { photoUrl: string } };
    expect(view.photoUrl).toMatch(new RegExp(`^/api/skillshare/teachers/${teacherId}/photo\\?v=`));
    const served = await fetch(`${stack.url}${view.photoUrl}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/webp');
    const bytes = Buffer.from(await served.arrayBuffer());
    const meta = await sharp(bytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 320, 320]);
    // A fresh gateway holds nothing in memory: the same bytes come back from the nodes.
    await stack.stopGateway();
    await stack.startGateway();
    const fromMesh = await fetch(`${stack.url}${view.photoUrl}`);
    expect(fromMesh.status).toBe(200);
    expect(Buffer.from(await fromMesh.arrayBuffer()).equals(bytes)).toBe(true);
    const listed = (await (await fetch(`${stack.url}/api/skillshare/teachers?q=tess`)).json()) as { teachers: Array<{ id: string; photoUrl: string | null }> };
    expect(listed.teachers.find((t) => t.id === teacherId)?.photoUrl).toBe(view.photoUrl);
    // Not in the teacher's own files: the photo belongs to SkillShare, not to their tree.
    const files = (await (await teacher.call('GET', '/api/files/list')).json()) as { files: unknown[] };
    expect(files.files).toEqual([]);
  });
});
