import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayStack } from './support/gatewayStack';
import { mailbox, signUpAndLogIn } from './support/gatewayUser';
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
});
