import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSkillshareServer } from './testSupport';
import type { TestServer } from './testSupport';

let s: TestServer;
beforeEach(async () => {
  s = await startSkillshareServer({ now: '2026-03-02T08:00:00Z' });
});
afterEach(async () => {
  await s.close();
});

const COURSE = 'c-chess-game-analysis';
async function bookAs(user: string, start: string): Promise<string> {
  const res = await s.call('POST', '/booking', { user, body: { courseId: COURSE, start } });
  expect(res.status).toBe(201);
  return res.body.booking.id as string;
}
const review = (user: string, id: string, body: unknown) => s.call('POST', `/booking/${id}/review`, { user, body });
const lukas = async () => (await s.call('GET', '/teachers/t-lukas-becker')).body.teacher;

describe('POST /booking/:id/review', () => {
  it('accepts one review per completed session and recomputes the teacher’s rating', async () => {
    const before = await lukas();
    // Seeded history: 89 reviews averaging 4.8 (sum 427).
    expect(before).toMatchObject({ rating: 4.8, ratingCount: 89 });
    const first = await bookAs('alice', '2026-03-03T18:00:00+01:00');
    const second = await bookAs('bob', '2026-03-04T18:00:00+01:00');

    s.clock.set('2026-03-03T17:59:59Z'); // one second before the end
    const early = await review('alice', first, { rating: 5 });
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('review_not_allowed');

    s.clock.set('2026-03-05T00:00:00Z');
    const ok = await review('alice', first, { rating: 1, comment: '  Too fast for me.  ' });
    expect(ok.status).toBe(201);
    expect(ok.body.review).toMatchObject({ bookingId: first, rating: 1, comment: 'Too fast for me.' });
    // (427 + 1) / 90 = 4.7556
    expect(await lukas()).toMatchObject({ rating: 4.76, ratingCount: 90 });

    const twice = await review('alice', first, { rating: 5 });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('review_not_allowed');

    expect((await review('bob', second, { rating: 5 })).status).toBe(201);
    // (428 + 5) / 91 = 4.7582
    expect(await lukas()).toMatchObject({ rating: 4.76, ratingCount: 91 });
    expect(s.store.read().reviews).toHaveLength(2);

    const listed = await s.call('GET', '/bookings', { user: 'alice' });
    expect(listed.body.past[0].review).toEqual({ rating: 1, comment: 'Too fast for me.' });
  });

  it('does not accept reviews of cancelled sessions', async () => {
    const id = await bookAs('alice', '2026-03-03T18:00:00+01:00');
    expect((await s.call('POST', `/booking/${id}/cancel`, { user: 'alice' })).status).toBe(200);
    s.clock.set('2026-03-05T00:00:00Z');
    const res = await review('alice', id, { rating: 4 });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('review_not_allowed');
  });

  it('validates the rating and answers 404 for someone else’s session', async () => {
    const id = await bookAs('alice', '2026-03-03T18:00:00+01:00');
    s.clock.set('2026-03-05T00:00:00Z');
    for (const body of [{ rating: 0 }, { rating: 6 }, { rating: 4.5 }, { rating: '5' }, {}, { rating: 5, stars: 5 }]) {
      const res = await review('alice', id, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
    }
    expect((await review('mallory', id, { rating: 5 })).status).toBe(404);
    expect(s.store.read().reviews).toHaveLength(0);
  });

  it('gives a new teacher their first rating from reviews alone', async () => {
    const profile = {
      bio: 'Weekend baker.',
      skills: ['baking'],
      hourlyRate: 20,
      timeZone: 'UTC',
      availability: { weekly: [{ day: 'tue', start: '10:00', end: '12:00' }] },
    };
    const created = await s.call('POST', '/teachers/me', { user: 'tessa', body: profile });
    expect(created.body.teacher).toMatchObject({ rating: null, ratingCount: 0 });
    const course = await s.call('POST', '/teachers/me/courses', {
      user: 'tessa',
      body: { title: 'Sourdough basics', skill: 'baking', level: 'beginner', durationMinutes: 60, price: 20, capacity: 1 },
    });
    const booked = await s.call('POST', '/booking', { user: 'alice', body: { courseId: course.body.course.id, start: '2026-03-03T10:00:00Z' } });
    expect(booked.status).toBe(201);
    s.clock.set('2026-03-04T00:00:00Z');
    expect((await review('alice', booked.body.booking.id, { rating: 4 })).status).toBe(201);
    const teacher = await s.call('GET', `/teachers/${created.body.teacher.id}`);
    expect(teacher.body.teacher).toMatchObject({ rating: 4, ratingCount: 1 });
  });
});
