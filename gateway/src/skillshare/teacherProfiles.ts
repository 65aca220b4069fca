/** Any signed-in user can teach: creating and editing their profile, adding their courses. */
import { AppError } from '../errors';
import type { AuthenticatedUser } from '../auth/authenticatedUser';
import type { CourseBody, TeacherProfileBody } from './schemas';
import { toUtcIso } from './time';
import type { Course, SkillshareData, Teacher } from './types';

export function ownTeacher(data: SkillshareData, userId: string): Teacher {
  const teacher = data.teachers.find((t) => t.userId === userId);
  if (teacher === undefined) throw new AppError('not_found', 'You do not have a teacher profile yet.');
  return teacher;
}

function profileFields(user: AuthenticatedUser, body: TeacherProfileBody) {
  return {
    name: body.name ?? user.name,
    bio: body.bio,
    skills: [...new Set(body.skills)],
    specialties: body.specialties,
    hourlyRate: body.hourlyRate,
    timeZone: body.timeZone,
    availability: body.availability,
  };
}

export function decideNewTeacher(data: SkillshareData, user: AuthenticatedUser, body: TeacherProfileBody, now: number, newId: () => string): Teacher {
  if (data.teachers.some((t) => t.userId === user.id)) throw new AppError('conflict', 'You already have a teacher profile; use PUT to change it.');
  return {
    id: newId(),
    userId: user.id,
    ...profileFields(user, body),
    currency: 'USD',
    rating: null,
    ratingCount: 0,
    ratingBaseline: { count: 0, sum: 0 },
    createdAt: toUtcIso(now),
  };
}

export function decideTeacherUpdate(data: SkillshareData, user: AuthenticatedUser, body: TeacherProfileBody): Teacher {
  return { ...ownTeacher(data, user.id), ...profileFields(user, body) };
}

export function decideNewCourse(data: SkillshareData, userId: string, body: CourseBody, now: number, newId: () => string): Course {
  const teacher = ownTeacher(data, userId);
  if (!teacher.skills.includes(body.skill)) {
    throw new AppError('invalid_request', `skill: "${body.skill}" is not one of your skills (${teacher.skills.join(', ')}).`);
  }
  return { id: newId(), teacherId: teacher.id, ...body, currency: teacher.currency, createdAt: toUtcIso(now) };
}
