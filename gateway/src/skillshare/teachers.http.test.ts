import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from './policy';
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

describe('teacher bounds', () => {
  it('caps the courses one teacher can add, with 409 too_many_courses', async () => {
    await s.close();
    s = await startSkillshareServer({ now: '2026-03-02T08:00:00Z', policy: { ...DEFAULT_POLICY, maxCoursesPerTeacher: 3 } });
    await s.call('POST', '/teachers/me', { user: 'cleo', body: profile });
    for (let i = 0; i < 3; i++) expect((await s.call('POST', '/teachers/me/courses', { user: 'cleo', body: { ...course, title: `Course ${i}` } })).status).toBe(201);
    const fourth = await s.call('POST', '/teachers/me/courses', { user: 'cleo', body: course });
    expect(fourth.status).toBe(409);
    expect(fourth.body.error).toEqual({ code: 'too_many_courses', message: 'A teacher can offer at most 3 courses.' });
    const teacherId = (await s.call('GET', '/teachers/me', { user: 'cleo' })).body.teacher.id;
    expect(s.store.read().courses.filter((c) => c.teacherId === teacherId)).toHaveLength(3);
    // The cap is per teacher: another teacher still adds theirs.
    await s.call('POST', '/teachers/me', { user: 'dan', body: profile });
    expect((await s.call('POST', '/teachers/me/courses', { user: 'dan', body: course })).status).toBe(201);
  });

  it('refuses reserved profile names with 400 reserved_name, on create and on update', async () => {
    for (const name of ['GeoVault Support', 'GeoVault  Support', 'geovault-support', 'Support', 'Admin', 'Ѕtaff']) {
      const res = await s.call('POST', '/teachers/me', { user: 'cleo', body: { ...profile, name } });
      expect(res.status, name).toBe(400);
      expect(res.body.error.code, name).toBe('reserved_name');
    }
    expect(s.store.read().teachers.some((t) => t.userId === 'cleo')).toBe(false);
    expect((await s.call('POST', '/teachers/me', { user: 'cleo', body: { ...profile, name: 'Cleo Park' } })).status).toBe(201);
    const renamed = await s.call('PUT', '/teachers/me', { user: 'cleo', body: { ...profile, name: 'GeoVault Staff' } });
    expect(renamed.status).toBe(400);
    expect(renamed.body.error.code).toBe('reserved_name');
    expect((await s.call('GET', '/teachers/me', { user: 'cleo' })).body.teacher.name).toBe('Cleo Park');
  });

  it('refuses names with line breaks, control characters or web addresses, and one-line fields with line breaks', async () => {
    for (const name of ['Cleo\nPark', 'Cleo\u0007', 'Cleo https://evil.example', 'Cleo at evil.com']) {
      const res = await s.call('POST', '/teachers/me', { user: 'cleo', body: { ...profile, name } });
      expect(res.status, JSON.stringify(name)).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
    }
    expect((await s.call('POST', '/teachers/me', { user: 'cleo', body: { ...profile, specialties: ['a\nb'] } })).status).toBe(400);
    await s.call('POST', '/teachers/me', { user: 'cleo', body: profile });
    const title = await s.call('POST', '/teachers/me/courses', { user: 'cleo', body: { ...course, title: 'Bouldering\r\nBcc: all' } });
    expect(title.status).toBe(400);
  });

  it('does not carry a reserved account name onto a profile sent without a name', async () => {
    // An account named before sign-up names were checked.
    const headers = { 'x-test-user-name': 'GeoVault Support' };
    const res = await s.call('POST', '/teachers/me', { user: 'sam', body: profile, headers });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('reserved_name');
    expect((await s.call('POST', '/teachers/me', { user: 'sam', body: { ...profile, name: 'Sam Okafor' }, headers })).status).toBe(201);
  });
});
