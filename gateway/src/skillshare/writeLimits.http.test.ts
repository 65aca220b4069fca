import express from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../app/testGateway';
import { DEFAULT_POLICY } from './policy';
import { createSkillshareRouter } from './router';
import { openSkillshareStore } from './store';
import { RecordingMailer, testRequireUser } from './testSupport';

// The real gateway app (helmet, body parser, error handler) with small budgets to keep it short.
// Users come from testRequireUser's header: the limits key on the user, however it signed in.
const policy = {
  ...DEFAULT_POLICY,
  bookingWriteLimit: { limit: 3, windowMs: 60_000 },
  teacherWriteLimit: { limit: 2, windowMs: 60_000 },
};
const profile = {
  bio: 'Climbing coach.',
  skills: ['climbing'],
  hourlyRate: 40,
  timeZone: 'Europe/Berlin',
  availability: { weekly: [{ day: 'tue', start: '09:00', end: '12:00' }] },
};
const course = { title: 'Bouldering technique', skill: 'climbing', level: 'beginner', durationMinutes: 60, price: 40, capacity: 1 };
const booking = { courseId: 'c-no-such-course', start: '2030-01-08T17:00:00Z' };

let gw: TestGateway;
const mount = express.Router();

beforeAll(async () => {
  gw = await startTestGateway({ routers: [{ path: '/api/skillshare', router: mount }] });
  const logger = pino({ level: 'silent' });
  const store = await openSkillshareStore(`${gw.gatewayDir}/skillshare.json`, { now: gw.clock.now, logger });
  mount.use(createSkillshareRouter({ store, mailer: new RecordingMailer(), requireUser: testRequireUser, now: gw.clock.now, logger, policy }));
});
afterAll(() => gw?.close());

const alice = 'alice';
const bob = 'bob';
const call = (user: string, method: string, path: string, body?: unknown) =>
  gw.request(method, `/api/skillshare${path}`, { body, headers: { 'x-test-user': user } });

async function expectRateLimited(res: Response, windowMs: number): Promise<void> {
  expect(res.status).toBe(429);
  expect(await res.json()).toEqual({ error: { code: 'rate_limited', message: expect.stringMatching(/try again/) } });
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(windowMs / 1000);
}

describe('SkillShare write limits', () => {
  it('answer 429 with Retry-After once a user spends the booking budget; other users are unaffected', async () => {
    for (let i = 0; i < 3; i++) expect((await call(alice, 'POST', '/booking', booking)).status).toBe(404);
    await expectRateLimited(await call(alice, 'POST', '/booking', booking), 60_000);
    // Cancel and review share the budget: a flood cannot move from one to the other.
    await expectRateLimited(await call(alice, 'POST', '/booking/00000000-0000-0000-0000-000000000000/cancel'), 60_000);
    await expectRateLimited(await call(alice, 'POST', '/booking/00000000-0000-0000-0000-000000000000/review', { rating: 5 }), 60_000);
    // Reading is not limited, and Bob has a budget of his own.
    expect((await call(alice, 'GET', '/bookings')).status).toBe(200);
    expect((await call(bob, 'POST', '/booking', booking)).status).toBe(404);
  });

  it('limit profile and course writes per user', async () => {
    expect((await call(alice, 'POST', '/teachers/me', profile)).status).toBe(201);
    expect((await call(alice, 'POST', '/teachers/me/courses', course)).status).toBe(201);
    await expectRateLimited(await call(alice, 'POST', '/teachers/me/courses', course), 60_000);
    await expectRateLimited(await call(alice, 'PUT', '/teachers/me', profile), 60_000);
    expect((await call(bob, 'POST', '/teachers/me', profile)).status).toBe(201);
    expect((await call(bob, 'POST', '/teachers/me/courses', course)).status).toBe(201);
    const courses = (await (await gw.request('GET', '/api/skillshare/courses?skill=climbing')).json()) as { courses: unknown[] };
    expect(courses.courses).toHaveLength(2);
  });
});
