/** Public, read-only routes: no sign-in needed to browse teachers, courses and open slots. */
import { Router } from 'express';
import type { RequestHandler } from 'express';
import { AppError } from '../../errors';
import { listCourses, listTeachers, teacherDetail } from '../catalogue';
import { parseInput } from '../http';
import type { SkillsharePolicy } from '../policy';
import { courseListQuery, idParams, teacherDetailQuery, teacherListQuery } from '../schemas';
import type { SkillshareStore } from '../store';

/**
 * `optionalUser` sets req.user when the request carries a valid session and lets it through
 * either way: the catalogue is public, but a signed-in visitor is offered only bookable slots.
 */
export function catalogueRoutes(store: SkillshareStore, now: () => number, policy: SkillsharePolicy, optionalUser: RequestHandler): Router {
  const router = Router();

  router.get('/teachers', (req, res) => {
    const query = parseInput(teacherListQuery, req.query);
    res.json({ teachers: listTeachers(store.read(), query) });
  });

  router.get('/teachers/:id', optionalUser, (req, res) => {
    const { id } = parseInput(idParams, req.params);
    const { tz, moving } = parseInput(teacherDetailQuery, req.query);
    const data = store.read();
    const teacher = data.teachers.find((t) => t.id === id);
    if (teacher === undefined) throw new AppError('not_found', 'No such teacher.');
    // Only the viewer's own confirmed booking with this teacher; anything else is ignored
    // rather than refused, so that the answer says nothing about other people's bookings.
    const own = moving === undefined ? undefined : data.bookings.find((b) => b.id === moving && b.studentId === req.user?.id && b.teacherId === teacher.id && b.status === 'confirmed');
    // The answer depends on who asks, so no shared cache may keep it.
    res.set('Cache-Control', 'private, no-store');
    res.json(teacherDetail(data, teacher, now(), policy, tz, req.user?.id, own?.id));
  });

  router.get('/courses', (req, res) => {
    const query = parseInput(courseListQuery, req.query);
    res.json({ courses: listCourses(store.read(), query) });
  });

  return router;
}
