import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSkillshareServer } from './testSupport';
import type { TestServer } from './testSupport';

let s: TestServer;
beforeAll(async () => {
  s = await startSkillshareServer({ now: '2026-03-02T08:00:00Z' });
});
afterAll(async () => {
  await s.close();
});

interface TeacherJson {
  id: string;
  name: string;
  hourlyRate: number;
  rating: number;
  skills: string[];
}
const teachers = async (query: string): Promise<TeacherJson[]> => {
  const res = await s.call('GET', `/teachers${query}`);
  expect(res.status).toBe(200);
  return res.body.teachers;
};

describe('GET /teachers', () => {
  it('lists the seeded catalogue without sign-in, best rated first, private fields hidden', async () => {
    const all = await teachers('');
    expect(all.length).toBeGreaterThanOrEqual(12);
    const ratings = all.map((t) => t.rating);
    expect(ratings).toEqual([...ratings].sort((a, b) => b - a));
    expect(all[0]).not.toHaveProperty('userId');
    expect(all[0]).not.toHaveProperty('ratingBaseline');
  });

  it('filters by skill, text (accent-insensitive), rate and rating', async () => {
    expect((await teachers('?skill=guitar')).map((t) => t.name)).toEqual(['Liam O’Connor']);
    expect((await teachers('?skill=Languages')).map((t) => t.id).sort()).toEqual(['t-fatima-haddad', 't-mateus-silva', 't-sofia-martinez']);
    expect((await teachers('?q=martinez')).map((t) => t.id)).toEqual(['t-sofia-martinez']);
    expect((await teachers('?q=endgames')).map((t) => t.id)).toEqual(['t-lukas-becker']);
    expect((await teachers('?q=brush kyoto')).map((t) => t.id)).toEqual(['t-kenji-watanabe']);
    const cheap = await teachers('?maxRate=30');
    expect(cheap.length).toBeGreaterThan(0);
    expect(cheap.every((t) => t.hourlyRate <= 30)).toBe(true);
    const top = await teachers('?minRating=4.85');
    expect(top.map((t) => t.id).sort()).toEqual(['t-emily-chen', 't-priya-raman', 't-sofia-martinez']);
    expect(await teachers('?skill=music-theory&maxRate=40')).toHaveLength(1);
  });

  it('sorts by rate and by name in either order', async () => {
    const byRate = (await teachers('?sort=rate')).map((t) => t.hourlyRate);
    expect(byRate).toEqual([...byRate].sort((a, b) => a - b));
    expect((await teachers('?sort=rate&order=desc'))[0]?.id).toBe('t-jamal-carter');
    const names = (await teachers('?sort=name')).map((t) => t.name);
    expect(names[0]).toBe('Amara Okafor');
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
  });

  it('rejects bad query values', async () => {
    for (const q of ['?sort=price', '?maxRate=cheap', '?order=up', '?minRating=abc']) {
      const res = await s.call('GET', `/teachers${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
    }
  });
});

describe('GET /teachers/:id', () => {
  it('shows the profile, courses and open slots in the student’s zone', async () => {
    const res = await s.call('GET', '/teachers/t-kenji-watanabe?tz=America/Sao_Paulo');
    expect(res.status).toBe(200);
    expect(res.body.teacher.name).toBe('Kenji Watanabe');
    expect(res.body.courses.map((c: { id: string }) => c.id).sort()).toEqual(['c-japanese-first-steps', 'c-shodo-circle']);
    const slots: { courseId: string; start: string; end: string; seatsLeft: number }[] = res.body.slots;
    expect(slots.length).toBeGreaterThan(20);
    expect(slots.every((x) => x.start.endsWith('-03:00') && x.end.endsWith('-03:00'))).toBe(true);
    expect(slots.find((x) => x.courseId === 'c-shodo-circle')?.seatsLeft).toBe(8);
    // Kenji's weekday evenings start at 19:00 Tokyo = 07:00 São Paulo; first is Tuesday's (Monday's is past).
    expect(slots[0]?.start).toBe('2026-03-03T07:00:00-03:00');
    const times = slots.map((x) => Date.parse(x.start));
    expect(Math.min(...times)).toBeGreaterThanOrEqual(Date.parse('2026-03-02T20:00:00Z'));
    expect(Math.max(...times)).toBeLessThan(Date.parse('2026-03-16T08:00:00Z'));
  });

  it('defaults to UTC, answers 400 for an unknown zone and 404 for an unknown teacher', async () => {
    const utc = await s.call('GET', '/teachers/t-kenji-watanabe');
    expect(utc.body.slots[0].start).toBe('2026-03-03T10:00:00Z');
    const bad = await s.call('GET', '/teachers/t-kenji-watanabe?tz=Mars/Base');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_request');
    expect((await s.call('GET', '/teachers/t-nobody')).status).toBe(404);
    expect((await s.call('GET', '/teachers/bad%20id')).status).toBe(400);
  });
});

describe('GET /courses', () => {
  it('lists every course with its teacher, filterable by skill and level', async () => {
    const all = (await s.call('GET', '/courses')).body.courses;
    expect(all.length).toBeGreaterThanOrEqual(20);
    expect(all.every((c: { teacherName: string }) => c.teacherName.length > 0)).toBe(true);
    const chess = (await s.call('GET', '/courses?skill=chess')).body.courses;
    expect(chess.map((c: { id: string }) => c.id).sort()).toEqual(['c-chess-game-analysis', 'c-endgame-group']);
    const beginner = (await s.call('GET', '/courses?level=beginner')).body.courses;
    expect(beginner.length).toBeGreaterThan(0);
    expect(beginner.every((c: { level: string }) => c.level === 'beginner')).toBe(true);
    expect((await s.call('GET', '/courses?skill=chess&level=advanced')).body.courses).toEqual([]);
    expect((await s.call('GET', '/courses?level=expert')).status).toBe(400);
  });
});
