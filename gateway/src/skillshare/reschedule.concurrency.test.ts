import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireConcurrently, startSkillshareServer } from './testSupport';
import type { LoadRequest, TestServer } from './testSupport';

let s: TestServer;
afterEach(async () => {
  await s?.close();
});

const COURSE = 'c-chess-game-analysis'; // Lukas Becker, private lessons: one seat per slot.

async function chessSlots(): Promise<string[]> {
  const res = await s.call('GET', '/teachers/t-lukas-becker?tz=Europe/Berlin');
  return res.body.slots.filter((x: { courseId: string }) => x.courseId === COURSE).map((x: { start: string }) => x.start);
}

/** Far enough apart that neither session's buffer touches the other. */
function twoApart(starts: string[]): [string, string] {
  const a = starts[0]!;
  const b = starts.find((x) => Date.parse(x) - Date.parse(a) >= 3 * 3600_000)!;
  return [a, b];
}

describe('reschedule under contention (real HTTP, 200 rivals)', () => {
  // The reschedule is sent first in one round and last in the other, so that both outcomes
  // (it wins the seat, a rival wins it) are usually met; which one is up to the scheduler, and
  // the invariant must hold in either.
  for (const position of ['first', 'last'] as const) {
    it(`keeps exactly one winner and never drops the original seat (reschedule sent ${position})`, async () => {
      s = await startSkillshareServer();
      const [from, to] = twoApart(await chessSlots());
      const booked = await s.call('POST', '/booking', { user: 'mover', body: { courseId: COURSE, start: from } });
      expect(booked.status).toBe(201);
      const id = booked.body.booking.id as string;

      const rivals: LoadRequest[] = Array.from({ length: 200 }, (_, i) => ({
        method: 'POST',
        url: `${s.baseUrl}/booking`,
        headers: { 'content-type': 'application/json', 'x-test-user': `rival-${i}` },
        body: JSON.stringify({ courseId: COURSE, start: to }),
      }));
      const move: LoadRequest = {
        method: 'POST',
        url: `${s.baseUrl}/booking/${id}/reschedule`,
        headers: { 'content-type': 'application/json', 'x-test-user': 'mover', 'idempotency-key': `move-${position}` },
        body: JSON.stringify({ start: to }),
      };
      const requests = position === 'first' ? [move, ...rivals] : [...rivals, move];
      const results = await fireConcurrently(requests);
      const moveResult = results[position === 'first' ? 0 : requests.length - 1]!;
      const rivalResults = results.filter((r) => r !== moveResult);

      const winners = rivalResults.filter((r) => r.status === 201).length + (moveResult.status === 200 ? 1 : 0);
      expect(winners).toBe(1);
      expect(rivalResults.every((r) => r.status === 201 || (r.status === 409 && r.body.error.code === 'slot_unavailable'))).toBe(true);

      const confirmed = s.store.read().bookings.filter((b) => b.status === 'confirmed');
      const atTarget = confirmed.filter((b) => Date.parse(b.start) === Date.parse(to));
      expect(atTarget).toHaveLength(1);
      const mine = confirmed.filter((b) => b.studentId === 'mover');
      expect(mine).toHaveLength(1);
      if (moveResult.status === 200) {
        expect(atTarget[0]!.id).toBe(id);
        expect(moveResult.body.booking.start).toBe(to);
        // The old seat is free again: offered to anyone.
        expect(await chessSlots()).toContain(from);
      } else {
        expect(moveResult.status).toBe(409);
        expect(moveResult.body.error.code).toBe('slot_unavailable');
        expect(mine[0]!.id).toBe(id);
        expect(Date.parse(mine[0]!.start)).toBe(Date.parse(from));
        expect(await chessSlots()).not.toContain(from);
      }
      // The mover's confirmation and one for the winner (a seeded teacher has no account to mail).
      await vi.waitFor(() => expect(s.mailer.sent).toHaveLength(2));
    });
  }

  it('a refused move leaves the booking where it was, and a retried move is replayed', async () => {
    s = await startSkillshareServer();
    const [from, to] = twoApart(await chessSlots());
    const id = (await s.call('POST', '/booking', { user: 'mover', body: { courseId: COURSE, start: from } })).body.booking.id as string;
    expect((await s.call('POST', '/booking', { user: 'other', body: { courseId: COURSE, start: to } })).status).toBe(201);

    const refused = await s.call('POST', `/booking/${id}/reschedule`, { user: 'mover', body: { start: to } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('slot_unavailable');
    const still = s.store.read().bookings.find((b) => b.id === id)!;
    expect(still.status).toBe('confirmed');
    expect(Date.parse(still.start)).toBe(Date.parse(from));

    const free = (await chessSlots()).find((x) => Date.parse(x) - Date.parse(from) >= 3 * 3600_000 && x !== to)!;
    const first = await s.call('POST', `/booking/${id}/reschedule`, { user: 'mover', body: { start: free }, headers: { 'idempotency-key': 'k1' } });
    expect(first.status).toBe(200);
    const again = await s.call('POST', `/booking/${id}/reschedule`, { user: 'mover', body: { start: free }, headers: { 'idempotency-key': 'k1' } });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(s.store.read().bookings.find((b) => b.id === id)!.sequence).toBe(1);
  });

  it('validates the request and answers 404 for another student’s booking', async () => {
    s = await startSkillshareServer();
    const [from, to] = twoApart(await chessSlots());
    const id = (await s.call('POST', '/booking', { user: 'mover', body: { courseId: COURSE, start: from } })).body.booking.id as string;
    const bad = await s.call('POST', `/booking/${id}/reschedule`, { user: 'mover', body: { start: 'tomorrow at nine' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_request' });
    expect(bad.body.error.message).toMatch(/^start:/);
    expect((await s.call('POST', `/booking/${id}/reschedule`, { user: 'mover', body: { start: to, extra: 1 } })).status).toBe(400);
    expect((await s.call('POST', `/booking/${id}/reschedule`, { body: { start: to } })).status).toBe(401);
    const foreign = await s.call('POST', `/booking/${id}/reschedule`, { user: 'intruder', body: { start: to } });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('not_found');
  });
});
