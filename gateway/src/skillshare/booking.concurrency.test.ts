import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openSkillshareStore } from './store';
import { fireConcurrently, percentile, startSkillshareServer } from './testSupport';
import type { TestServer } from './testSupport';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function firstSlot(s: TestServer, teacherId: string, courseId: string) {
  const res = await s.call('GET', `/teachers/${teacherId}?tz=Europe/Berlin`);
  const slot = res.body.slots.find((x: { courseId: string }) => x.courseId === courseId);
  expect(slot).toBeDefined();
  return slot as { courseId: string; start: string; end: string; seatsLeft: number };
}

describe('booking under concurrency (real HTTP)', () => {
  it('gives the last seat to exactly one of 200 simultaneous requests', async () => {
    server = await startSkillshareServer();
    const s = server;
    const slot = await firstSlot(s, 't-lukas-becker', 'c-chess-game-analysis');
    expect(slot.seatsLeft).toBe(1);
    const burst = (courseId: string, start: string, users: string) =>
      fireConcurrently(
        Array.from({ length: 200 }, (_, i) => ({
          method: 'POST',
          url: `${s.baseUrl}/booking`,
          headers: { 'content-type': 'application/json', 'x-test-user': `${users}-${i}` },
          body: JSON.stringify({ courseId, start }),
        })),
      );

    // Warm-up burst on another teacher, so the figures describe a running gateway, not JIT start-up.
    const warm = await firstSlot(s, 't-priya-raman', 'c-calculus-tutoring');
    expect((await burst(warm.courseId, warm.start, 'warm')).filter((r) => r.status === 201)).toHaveLength(1);
    s.bookingTimings.length = 0;

    const results = await burst(slot.courseId, slot.start, 'student');

    const created = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status === 409);
    expect(created).toHaveLength(1);
    expect(refused).toHaveLength(199);
    expect(refused.every((r) => r.body.error.code === 'slot_unavailable')).toBe(true);
    const stored = s.store.read().bookings.filter((b) => b.courseId === slot.courseId);
    expect(stored).toHaveLength(1);
    await vi.waitFor(() => expect(s.mailer.sent).toHaveLength(2));

    // What is on disk agrees with memory.
    const reopened = await openSkillshareStore(s.file, { now: s.clock.now, logger: s.logger });
    const onDisk = reopened.read().bookings.filter((b) => b.courseId === slot.courseId);
    expect(onDisk.map((b) => b.id)).toEqual([created[0]?.body.booking.id]);

    const after = await s.call('GET', '/teachers/t-lukas-becker?tz=Europe/Berlin');
    expect(after.body.slots.some((x: { courseId: string; start: string }) => x.courseId === slot.courseId && x.start === slot.start)).toBe(false);

    const round = (ms: number) => Number(ms.toFixed(1));
    const endToEnd = results.map((r) => r.ms);
    const figures = {
      requests: results.length,
      clientP50Ms: round(percentile(endToEnd, 50)),
      clientP99Ms: round(percentile(endToEnd, 99)),
      serverP50Ms: round(percentile(s.bookingTimings, 50)),
      serverP99Ms: round(percentile(s.bookingTimings, 99)),
    };
    pino({ name: 'skillshare-bench' }).info(figures, 'booking latency under 200 concurrent requests');
    expect(s.bookingTimings).toHaveLength(200);
  });

  it('fills a group session to capacity and not one seat more', async () => {
    server = await startSkillshareServer();
    const s = server;
    const slot = await firstSlot(s, 't-lukas-becker', 'c-endgame-group');
    expect(slot.seatsLeft).toBe(8);
    const results = await fireConcurrently(
      Array.from({ length: 60 }, (_, i) => ({
        method: 'POST',
        url: `${s.baseUrl}/booking`,
        headers: { 'content-type': 'application/json', 'x-test-user': `group-${i}` },
        body: JSON.stringify({ courseId: slot.courseId, start: slot.start }),
      })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(8);
    expect(results.filter((r) => r.status === 409)).toHaveLength(52);
    expect(s.store.read().bookings).toHaveLength(8);
  });
});
