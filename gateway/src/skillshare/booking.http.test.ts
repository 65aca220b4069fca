import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startSkillshareServer } from './testSupport';
import type { TestServer } from './testSupport';

interface SlotJson {
  courseId: string;
  start: string;
  end: string;
  seatsLeft: number;
}

let s: TestServer;
beforeEach(async () => {
  s = await startSkillshareServer({ now: '2026-03-02T08:00:00Z' });
});
afterEach(async () => {
  await s.close();
});

async function slotsOf(teacherId: string, courseId: string, tz = 'UTC'): Promise<SlotJson[]> {
  const res = await s.call('GET', `/teachers/${teacherId}?tz=${tz}`);
  expect(res.status).toBe(200);
  return res.body.slots.filter((x: SlotJson) => x.courseId === courseId);
}

const book = (user: string, courseId: string, start: string, headers: Record<string, string> = {}) =>
  s.call('POST', '/booking', { user, body: { courseId, start }, headers });

const CHESS = { teacher: 't-lukas-becker', course: 'c-chess-game-analysis' };
const HOUR = 3_600_000;

describe('POST /booking', () => {
  it('books an open slot, answers in the student’s offset, and takes the slot off the list', async () => {
    const [slot] = await slotsOf(CHESS.teacher, CHESS.course, 'Europe/Berlin');
    expect(slot?.start).toBe('2026-03-02T21:00:00+01:00');
    const res = await book('alice', CHESS.course, slot!.start);
    expect(res.status).toBe(201);
    expect(res.body.booking).toMatchObject({
      courseId: CHESS.course,
      teacherId: CHESS.teacher,
      start: '2026-03-02T21:00:00+01:00',
      end: '2026-03-02T22:00:00+01:00',
      status: 'confirmed',
    });
    expect(typeof res.body.booking.id).toBe('string');
    const after = await slotsOf(CHESS.teacher, CHESS.course, 'Europe/Berlin');
    expect(after.map((x) => x.start)).not.toContain(slot!.start);
  });

  it('accepts the same instant written in another offset', async () => {
    const res = await book('alice', CHESS.course, '2026-03-02T20:00:00Z');
    expect(res.status).toBe(201);
    expect(res.body.booking.start).toBe('2026-03-02T20:00:00Z');
  });

  it('refuses starts that are not open slots', async () => {
    expect((await book('alice', CHESS.course, '2026-03-03T18:10:00+01:00')).body.error.code).toBe('slot_unavailable');
    // Inside the 12-hour notice: today 19:00 Berlin is 10 hours away.
    const early = await book('alice', CHESS.course, '2026-03-02T19:00:00+01:00');
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('slot_unavailable');
    // Lukas's seeded date off (three days after seeding).
    expect((await book('alice', CHESS.course, '2026-03-05T18:00:00+01:00')).body.error.code).toBe('slot_unavailable');
    const unknown = await book('alice', 'c-no-such-course', '2026-03-03T18:00:00+01:00');
    expect(unknown.status).toBe(404);
  });

  it('validates every input with 400 invalid_request', async () => {
    const bad = [
      await s.call('POST', '/booking', { user: 'alice', body: { courseId: CHESS.course } }),
      await s.call('POST', '/booking', { user: 'alice', body: { courseId: CHESS.course, start: '2026-03-03T18:00:00' } }),
      await s.call('POST', '/booking', { user: 'alice', body: { courseId: CHESS.course, start: '2026-03-03T18:00:00Z', extra: 1 } }),
      await s.call('POST', '/booking', { user: 'alice', body: { courseId: '../etc', start: '2026-03-03T18:00:00Z' } }),
      await s.call('POST', '/booking', { user: 'alice', body: '{"courseId": ' }),
      await book('alice', CHESS.course, '2026-03-03T17:00:00Z', { 'idempotency-key': 'has space' }),
      await book('alice', CHESS.course, '2026-03-03T17:00:00Z', { 'idempotency-key': 'k'.repeat(201) }),
    ];
    for (const res of bad) {
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
    }
    expect(s.store.read().bookings).toHaveLength(0);
  });

  it('needs a signed-in user', async () => {
    const res = await s.call('POST', '/booking', { body: { courseId: CHESS.course, start: '2026-03-03T17:00:00Z' } });
    expect(res.status).toBe(401);
  });

  it('does not let a student hold two overlapping sessions', async () => {
    expect((await book('alice', CHESS.course, '2026-03-03T18:00:00+01:00')).status).toBe(201);
    // Sofía (Madrid, same offset in March) teaches conversation on Tuesday 17:00–20:00.
    const clash = await book('alice', 'c-spanish-conversation', '2026-03-03T18:30:00+01:00');
    expect(clash.status).toBe(409);
    expect(clash.body.error.code).toBe('booking_overlap');
    // Back to back is fine for the student; the buffer is the teacher's.
    expect((await book('alice', 'c-spanish-conversation', '2026-03-03T19:00:00+01:00')).status).toBe(201);
    // Someone else can still take Sofía's overlapping slot.
    expect((await book('bob', 'c-spanish-conversation', '2026-03-03T17:00:00+01:00')).status).toBe(201);
  });
});

describe('Idempotency-Key', () => {
  it('returns the same booking for the same key without booking twice', async () => {
    const key = { 'idempotency-key': 'retry-7f3a' };
    const first = await book('alice', CHESS.course, '2026-03-03T18:00:00+01:00', key);
    const second = await book('alice', CHESS.course, '2026-03-03T18:00:00+01:00', key);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.booking.id).toBe(first.body.booking.id);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(s.store.read().bookings).toHaveLength(1);
    await vi.waitFor(() => expect(s.mailer.sent).toHaveLength(1));
  });

  it('keeps keys per user: another user’s identical key does not see the booking', async () => {
    const key = { 'idempotency-key': 'shared-key' };
    const alice = await book('alice', CHESS.course, '2026-03-03T18:00:00+01:00', key);
    const bob = await book('bob', CHESS.course, '2026-03-03T18:00:00+01:00', key);
    expect(alice.status).toBe(201);
    expect(bob.status).toBe(409);
    expect(bob.body.error.code).toBe('slot_unavailable');
    expect(JSON.stringify(bob.body)).not.toContain(alice.body.booking.id);
    expect(s.store.read().bookings).toHaveLength(1);
  });

  it('replays a refusal with the same status even after the seat frees up', async () => {
    const taken = await book('alice', CHESS.course, '2026-03-03T18:00:00+01:00');
    const key = { 'idempotency-key': 'bob-1' };
    expect((await book('bob', CHESS.course, '2026-03-03T18:00:00+01:00', key)).status).toBe(409);
    expect((await s.call('POST', `/booking/${taken.body.booking.id}/cancel`, { user: 'alice' })).status).toBe(200);
    const replay = await book('bob', CHESS.course, '2026-03-03T18:00:00+01:00', key);
    expect(replay.status).toBe(409);
    expect(replay.body.error.code).toBe('slot_unavailable');
    // A fresh key is a fresh attempt, and now it succeeds.
    expect((await book('bob', CHESS.course, '2026-03-03T18:00:00+01:00', { 'idempotency-key': 'bob-2' })).status).toBe(201);
    // Only the success is written to the store: a rush of refusals must not rewrite it each time.
    expect(s.store.read().idempotency.map((r) => r.key)).toEqual(['bob-2']);
  });

  it('refuses a key reused for a different request', async () => {
    const key = { 'idempotency-key': 'reused' };
    expect((await book('alice', CHESS.course, '2026-03-03T18:00:00+01:00', key)).status).toBe(201);
    const other = await book('alice', CHESS.course, '2026-03-04T18:00:00+01:00', key);
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('conflict');
    expect(s.store.read().bookings).toHaveLength(1);
  });

  it('forgets keys after a day', async () => {
    const key = { 'idempotency-key': 'old' };
    const first = await book('alice', CHESS.course, '2026-03-03T18:00:00+01:00', key);
    s.clock.advance(25 * HOUR);
    const again = await book('alice', CHESS.course, '2026-03-10T18:00:00+01:00', key);
    expect(again.status).toBe(201);
    expect(again.body.booking.id).not.toBe(first.body.booking.id);
    expect(s.store.read().idempotency).toHaveLength(1);
  });
});

describe('POST /booking/:id/cancel', () => {
  it('is free until exactly 4 hours before the start and reopens the seat at once', async () => {
    const res = await book('alice', CHESS.course, '2026-03-03T18:00:00+01:00');
    const id = res.body.booking.id as string;
    s.clock.set('2026-03-03T13:00:00Z'); // 4 h before 17:00Z
    const cancelled = await s.call('POST', `/booking/${id}/cancel`, { user: 'alice' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.booking.status).toBe('cancelled');
    // Back to a time when the slot is outside the notice period: it is open again.
    s.clock.set('2026-03-02T08:00:00Z');
    const slots = await slotsOf(CHESS.teacher, CHESS.course, 'Europe/Berlin');
    expect(slots.map((x) => x.start)).toContain('2026-03-03T18:00:00+01:00');
    expect((await book('bob', CHESS.course, '2026-03-03T18:00:00+01:00')).status).toBe(201);
  });

  it('closes 4 hours before the start', async () => {
    const res = await book('alice', CHESS.course, '2026-03-03T18:00:00+01:00');
    s.clock.set('2026-03-03T13:00:00.001Z');
    const late = await s.call('POST', `/booking/${res.body.booking.id}/cancel`, { user: 'alice' });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('cancellation_closed');
    expect(s.store.read().bookings[0]?.status).toBe('confirmed');
  });

  it('treats a repeated cancel as done, without a second mail', async () => {
    const res = await book('alice', CHESS.course, '2026-03-03T18:00:00+01:00');
    const path = `/booking/${res.body.booking.id}/cancel`;
    expect((await s.call('POST', path, { user: 'alice' })).status).toBe(200);
    const again = await s.call('POST', path, { user: 'alice' });
    expect(again.status).toBe(200);
    expect(again.body.booking.status).toBe('cancelled');
    await vi.waitFor(() => expect(s.mailer.sent).toHaveLength(2));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(s.mailer.sent.map((m) => m.subject.split(':')[0])).toEqual(['Booked', 'Cancelled']);
  });

  it('answers 404 for another student’s booking, and for none', async () => {
    const res = await book('alice', CHESS.course, '2026-03-03T18:00:00+01:00');
    const id = res.body.booking.id as string;
    const theirs = await s.call('POST', `/booking/${id}/cancel`, { user: 'mallory' });
    expect(theirs.status).toBe(404);
    expect(theirs.body.error.code).toBe('not_found');
    const missing = await s.call('POST', '/booking/00000000-0000-0000-0000-000000000000/cancel', { user: 'mallory' });
    expect(missing.body).toEqual(theirs.body);
    s.clock.set('2026-03-04T00:00:00Z');
    expect((await s.call('POST', `/booking/${id}/review`, { user: 'mallory', body: { rating: 1 } })).status).toBe(404);
    expect(s.store.read().bookings[0]?.status).toBe('confirmed');
  });
});

describe('GET /bookings', () => {
  it('separates upcoming and past, and shows them in the asked zone', async () => {
    const first = await book('alice', CHESS.course, '2026-03-03T18:00:00+01:00');
    const second = await book('alice', CHESS.course, '2026-03-04T18:00:00+01:00');
    await book('bob', CHESS.course, '2026-03-06T18:00:00+01:00');
    s.clock.set('2026-03-04T00:00:00Z');
    const res = await s.call('GET', '/bookings?tz=America/New_York', { user: 'alice' });
    expect(res.status).toBe(200);
    expect(res.body.past.map((b: { id: string }) => b.id)).toEqual([first.body.booking.id]);
    expect(res.body.upcoming.map((b: { id: string }) => b.id)).toEqual([second.body.booking.id]);
    expect(res.body.past[0]).toMatchObject({ status: 'completed', start: '2026-03-03T12:00:00-05:00', courseTitle: 'Chess: analyse your games', teacherName: 'Lukas Becker', review: null });
    expect(res.body.upcoming[0].status).toBe('confirmed');
    expect((await s.call('GET', '/bookings?tz=Nowhere/Land', { user: 'alice' })).status).toBe(400);
    expect((await s.call('GET', '/bookings')).status).toBe(401);
  });
});
