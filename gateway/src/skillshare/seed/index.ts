import { DateTime } from 'luxon';
import { toUtcIso } from '../time';
import { WEEKDAYS } from '../types';
import type { Course, SkillshareData, Teacher, WeeklyWindow, Weekday } from '../types';
import { COURSE_SEEDS } from './courses';
import { TEACHER_SEEDS } from './teachers';
import type { TeacherSeed } from './teachers';

/** The initial catalogue. Exception dates are relative to `now` so they are always upcoming. */
export function buildSeed(now: number): SkillshareData {
  const createdAt = toUtcIso(now);
  const teachers = TEACHER_SEEDS.map((seed) => teacherFromSeed(seed, now, createdAt));
  const courses: Course[] = COURSE_SEEDS.map((seed) => ({
    id: `c-${seed.slug}`,
    teacherId: `t-${seed.teacher}`,
    title: seed.title,
    description: seed.description,
    skill: seed.skill,
    level: seed.level,
    durationMinutes: seed.durationMinutes,
    price: seed.price,
    currency: 'USD',
    capacity: seed.capacity,
    createdAt,
  }));
  return { version: 1, teachers, courses, bookings: [], reviews: [], idempotency: [] };
}

function teacherFromSeed(seed: TeacherSeed, now: number, createdAt: string): Teacher {
  const [average, count] = seed.rating;
  const sum = Math.round(average * count);
  const dateIn = (days: number) => DateTime.fromMillis(now, { zone: seed.timeZone }).plus({ days }).toISODate() ?? '';
  return {
    id: `t-${seed.slug}`,
    userId: null,
    name: seed.name,
    bio: seed.bio,
    skills: seed.skills,
    specialties: seed.specialties,
    hourlyRate: seed.hourlyRate,
    currency: 'USD',
    rating: Math.round((sum / count) * 100) / 100,
    ratingCount: count,
    ratingBaseline: { count, sum },
    timeZone: seed.timeZone,
    availability: {
      weekly: seed.weekly.flatMap(([days, start, end]) => expandDays(days).map((day): WeeklyWindow => ({ day, start, end }))),
      datesOff: seed.offInDays.map(dateIn),
      extraHours: seed.extraInDays.map(([days, start, end]) => ({ date: dateIn(days), start, end })),
    },
    createdAt,
  };
}

/** `mon-fri` → mon…fri; `mon,wed` → mon, wed. */
export function expandDays(spec: string): Weekday[] {
  return spec.split(',').flatMap((part) => {
    const [first, last = first] = part.split('-') as [Weekday, Weekday?];
    const from = WEEKDAYS.indexOf(first);
    const to = WEEKDAYS.indexOf(last);
    if (from < 0 || to < from) throw new Error(`bad day range in seed: ${part}`);
    return WEEKDAYS.slice(from, to + 1);
  });
}
