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

const profile = {
  bio: 'Climbing coach and route setter.',
  skills: ['Climbing', 'fitness'],
  specialties: ['bouldering'],
  hourlyRate: 42.5,
  timeZone: 'America/Denver',
  availability: {
    weekly: [{ day: 'tue', start: '09:00', end: '12:00' }],
    datesOff: ['2026-03-10'],
    extraHours: [{ date: '2026-03-07', start: '10:00', end: '11:00' }],
  },
};
const course = { title: 'Bouldering technique', skill: 'climbing', level: 'beginner', durationMinutes: 60, price: 40, capacity: 1 };

describe('becoming a teacher', () => {
  it('creates, reads and updates the caller’s own profile', async () => {
    const created = await s.call('POST', '/teachers/me', { user: 'cleo', body: profile });
    expect(created.status).toBe(201);
    expect(created.body.teacher).toMatchObject({ name: 'User cleo', skills: ['climbing', 'fitness'], hourlyRate: 42.5, rating: null });
    expect(created.body.teacher).not.toHaveProperty('userId');
    expect((await s.call('POST', '/teachers/me', { user: 'cleo', body: profile })).status).toBe(409);

    const mine = await s.call('GET', '/teachers/me', { user: 'cleo' });
    expect(mine.body.teacher.id).toBe(created.body.teacher.id);
    expect((await s.call('GET', '/teachers/me', { user: 'nobody' })).status).toBe(404);
    expect((await s.call('GET', '/teachers/me')).status).toBe(401);

    const updated = await s.call('PUT', '/teachers/me', { user: 'cleo', body: { ...profile, name: 'Cleo Park', hourlyRate: 50 } });
    expect(updated.status).toBe(200);
    expect(updated.body.teacher).toMatchObject({ id: created.body.teacher.id, name: 'Cleo Park', hourlyRate: 50 });
    expect((await s.call('PUT', '/teachers/me', { user: 'nobody', body: profile })).status).toBe(404);

    const listed = await s.call('GET', '/teachers?q=cleo');
    expect(listed.body.teachers.map((t: { id: string }) => t.id)).toEqual([created.body.teacher.id]);
  });

  it('adds own courses whose slots follow the new availability', async () => {
    expect((await s.call('POST', '/teachers/me/courses', { user: 'cleo', body: course })).status).toBe(404);
    const teacher = (await s.call('POST', '/teachers/me', { user: 'cleo', body: profile })).body.teacher;
    const added = await s.call('POST', '/teachers/me/courses', { user: 'cleo', body: course });
    expect(added.status).toBe(201);
    expect(added.body.course).toMatchObject({ teacherId: teacher.id, teacherName: 'User cleo', capacity: 1, currency: 'USD' });
    const offSkill = await s.call('POST', '/teachers/me/courses', { user: 'cleo', body: { ...course, skill: 'piano' } });
    expect(offSkill.status).toBe(400);

    const detail = await s.call('GET', `/teachers/${teacher.id}?tz=America/Denver`);
    expect(detail.body.courses.map((c: { id: string }) => c.id)).toEqual([added.body.course.id]);
    expect(detail.body.slots.map((x: { start: string }) => x.start)).toEqual([
      '2026-03-03T09:00:00-07:00',
      '2026-03-03T09:30:00-07:00',
      '2026-03-03T10:00:00-07:00',
      '2026-03-03T10:30:00-07:00',
      '2026-03-03T11:00:00-07:00',
      '2026-03-07T10:00:00-07:00',
      // Tuesday 2026-03-10 is a date off, and the next Tuesday is past the 14-day horizon.
    ]);
    const courses = await s.call('GET', `/courses?teacherId=${teacher.id}`);
    expect(courses.body.courses).toHaveLength(1);
  });

  it('does not let a teacher book their own course, nor double-book themselves', async () => {
    await s.call('POST', '/teachers/me', { user: 'cleo', body: profile });
    const own = (await s.call('POST', '/teachers/me/courses', { user: 'cleo', body: course })).body.course;
    const mine = await s.call('POST', '/booking', { user: 'cleo', body: { courseId: own.id, start: '2026-03-03T09:00:00-07:00' } });
    expect(mine.status).toBe(403);
    expect(s.store.read().bookings).toHaveLength(0);

    expect((await s.call('POST', '/booking', { user: 'dan', body: { courseId: own.id, start: '2026-03-03T09:00:00-07:00' } })).status).toBe(201);
    // 09:00 Denver is 17:00 Berlin; Cleo now teaches then, so she cannot attend elsewhere.
    const clash = await s.call('POST', '/booking', {
      user: 'cleo',
      body: { courseId: 'c-spanish-conversation', start: '2026-03-03T17:00:00+01:00' },
    });
    expect(clash.status).toBe(409);
    expect(clash.body.error.code).toBe('booking_overlap');
  });

  it('blocks a teacher’s slots while they attend someone else’s session', async () => {
    const teacher = (await s.call('POST', '/teachers/me', { user: 'cleo', body: profile })).body.teacher;
    await s.call('POST', '/teachers/me/courses', { user: 'cleo', body: course });
    // Jamal (New York) teaches 12:00–17:00 local; 13:00 New York is 11:00 Denver.
    const attend = await s.call('POST', '/booking', { user: 'cleo', body: { courseId: 'c-talk-rehearsal', start: '2026-03-03T13:00:00-05:00' } });
    expect(attend.status).toBe(201);
    const detail = await s.call('GET', `/teachers/${teacher.id}?tz=America/Denver`);
    const tuesday = detail.body.slots.map((x: { start: string }) => x.start).filter((x: string) => x.startsWith('2026-03-03'));
    // 10:00 and later would end within 15 minutes of (or overlap) 11:00–12:00.
    expect(tuesday).toEqual(['2026-03-03T09:00:00-07:00', '2026-03-03T09:30:00-07:00']);
  });

  it('validates the profile and the course', async () => {
    const bad = [
      { ...profile, timeZone: 'Mars/Base' },
      { ...profile, hourlyRate: -5 },
      { ...profile, hourlyRate: 12.345 },
      { ...profile, skills: [] },
      { ...profile, skills: ['no spaces allowed'] },
      { ...profile, availability: { weekly: [{ day: 'tue', start: '12:00', end: '09:00' }] } },
      { ...profile, availability: { weekly: [{ day: 'someday', start: '09:00', end: '10:00' }] } },
      { ...profile, availability: { weekly: [], datesOff: ['2026-02-30'] } },
      { ...profile, admin: true },
    ];
    for (const body of bad) {
      const res = await s.call('POST', '/teachers/me', { user: 'cleo', body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
    }
    await s.call('POST', '/teachers/me', { user: 'cleo', body: profile });
    for (const body of [{ ...course, durationMinutes: 50 }, { ...course, capacity: 0 }, { ...course, level: 'expert' }, { ...course, title: '' }]) {
      expect((await s.call('POST', '/teachers/me/courses', { user: 'cleo', body })).status, JSON.stringify(body)).toBe(400);
    }
  });
});
