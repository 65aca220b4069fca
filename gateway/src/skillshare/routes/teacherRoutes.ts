/** `/teachers/me…`: a signed-in user's own teacher profile and courses. */
import { Router } from 'express';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { courseView, teacherView } from '../views';
import { currentUser, jsonBody, parseInput } from '../http';
import type { SkillsharePolicy } from '../policy';
import type { BookingService } from '../bookingService';
import { courseBody, sessionCancelBody, teacherProfileBody, zoneQuery } from '../schemas';
import { teacherDashboard } from '../teacherDashboard';
import { bookingView } from '../views';
import type { SkillshareStore } from '../store';
import { decideNewCourse, decideNewTeacher, decideTeacherUpdate, ownTeacher } from '../teacherProfiles';

export interface TeacherRouteDeps {
  store: SkillshareStore;
  requireUser: RequestHandler;
  /** The per-user budget shared by every write below. */
  writeLimit: RequestHandler;
  now: () => number;
  logger: Logger;
  policy: SkillsharePolicy;
  service: BookingService;
}

export function teacherRoutes({ store, requireUser, writeLimit, now, logger, policy, service }: TeacherRouteDeps): Router {
  const router = Router();
  const log = logger.child({ component: 'skillshare-teachers' });

  router.get('/teachers/me', requireUser, (req, res) => {
    const data = store.read();
    const teacher = ownTeacher(data, currentUser(req).id);
    const courses = data.courses.filter((c) => c.teacherId === teacher.id).map((c) => courseView(c, teacher.name));
    res.json({ teacher: teacherView(teacher), courses });
  });

  router.post('/teachers/me', requireUser, writeLimit, jsonBody(), async (req, res) => {
    const user = currentUser(req);
    const body = parseInput(teacherProfileBody, req.body);
    const teacher = await store.update((data) => {
      const created = decideNewTeacher(data, user, body, now(), uuidv7);
      return { result: created, next: { ...data, teachers: [...data.teachers, created] } };
    });
    log.info({ teacherId: teacher.id, userId: user.id }, 'teacher profile created');
    res.status(201).json({ teacher: teacherView(teacher) });
  });

  router.put('/teachers/me', requireUser, writeLimit, jsonBody(), async (req, res) => {
    const user = currentUser(req);
    const body = parseInput(teacherProfileBody, req.body);
    const teacher = await store.update((data) => {
      const updated = decideTeacherUpdate(data, user, body);
      return { result: updated, next: { ...data, teachers: data.teachers.map((t) => (t.id === updated.id ? updated : t)) } };
    });
    res.json({ teacher: teacherView(teacher) });
  });

  /** The teacher's own sessions, students (names only), cancellations and earnings, in `tz`. */
  router.get('/teachers/me/dashboard', requireUser, (req, res) => {
    const { tz } = parseInput(zoneQuery, req.query);
    const data = store.read();
    res.set('Cache-Control', 'no-store');
    res.json(teacherDashboard(data, ownTeacher(data, currentUser(req).id), now(), policy, tz));
  });

  /** Cancels one of the teacher's sessions for every student on it (mailed, seats freed). */
  router.post('/teachers/me/sessions/cancel', requireUser, writeLimit, jsonBody(), async (req, res) => {
    const body = parseInput(sessionCancelBody, req.body);
    const cancelled = await service.cancelSession(currentUser(req), body.courseId, Date.parse(body.start));
    res.json({ cancelled: cancelled.map((b) => bookingView(b, now())) });
  });

  router.post('/teachers/me/courses', requireUser, writeLimit, jsonBody(), async (req, res) => {
    const user = currentUser(req);
    const body = parseInput(courseBody, req.body);
    const { course, teacherName } = await store.update((data) => {
      const created = decideNewCourse(data, user.id, body, now(), uuidv7, policy.maxCoursesPerTeacher);
      const owner = data.teachers.find((t) => t.id === created.teacherId)?.name ?? '';
      return { result: { course: created, teacherName: owner }, next: { ...data, courses: [...data.courses, created] } };
    });
    log.info({ courseId: course.id, teacherId: course.teacherId }, 'course added');
    res.status(201).json({ course: courseView(course, teacherName) });
  });

  return router;
}
