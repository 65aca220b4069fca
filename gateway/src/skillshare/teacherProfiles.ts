/** Any signed-in user can teach: creating and editing their profile, adding their courses. */
import { AppError } from '../errors';
import type { AuthenticatedUser } from '../auth/authenticatedUser';
import { displayNameProblem } from '../validation/displayName';
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
    name: body.name ?? accountNameAsTeacherName(user),
    bio: body.bio,
    skills: [...new Set(body.skills)],
    specialties: body.specialties,
    hourlyRate: body.hourlyRate,
    timeZone: body.timeZone,
    availability: body.availability,
  };
}

/**
 * A profile without a name shows the account's. Accounts made before sign-up names were checked
 * may carry one that a profile name could not, so it goes through the same rule here.
 */
function accountNameAsTeacherName(user: AuthenticatedUser): string {
  const problem = displayNameProblem(user.name.trim());
  if (problem !== null) throw new AppError(problem.code, 'name: your account name cannot be shown on a teacher profile; send a name for the profile.');
  return user.name;
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

export function decideNewCourse(data: SkillshareData, userId: string, body: CourseBody, now: number, newId: () => string, maxCourses: number): Course {
  const teacher = ownTeacher(data, userId);
  if (data.courses.filter((c) => c.teacherId === teacher.id).length >= maxCourses) {
    throw new AppError('too_many_courses', `A teacher can offer at most ${maxCourses} courses.`);
  }
  if (!teacher.skills.includes(body.skill)) {
    throw new AppError('invalid_request', `skill: "${body.skill}" is not one of your skills (${teacher.skills.join(', ')}).`);
  }
  return { id: newId(), teacherId: teacher.id, ...body, currency: teacher.currency, createdAt: toUtcIso(now) };
}
