/** Signed-in routes: book, list, cancel and review sessions. */
import { Router } from 'express';
import type { RequestHandler } from 'express';
import { AppError } from '../../errors';
import type { BookingService } from '../bookingService';
import { currentUser, jsonBody, parseInput } from '../http';
import { bookingBody, idempotencyKey, idParams, rescheduleBody, reviewBody, zoneQuery } from '../schemas';
import { offsetZoneOf } from '../time';

/** `writeLimit` is the per-user budget shared by every write below. */
export function bookingRoutes(service: BookingService, requireUser: RequestHandler, writeLimit: RequestHandler): Router {
  const router = Router();

  router.post('/booking', requireUser, writeLimit, jsonBody(), async (req, res) => {
    const user = currentUser(req);
    const body = parseInput(bookingBody, req.body);
    const rawKey = req.get('idempotency-key');
    const key = rawKey === undefined ? undefined : parseInput(idempotencyKey, rawKey);
    // Answer in the offset the student wrote the start in: that is the clock they are reading.
    const result = await service.book(user, { courseId: body.courseId, start: Date.parse(body.start) }, offsetZoneOf(body.start), key);
    if (result.replayed) res.set('Idempotent-Replayed', 'true');
    if ('error' in result.body) throw new AppError(result.body.error.code, result.body.error.message);
    res.status(result.status).json(result.body);
  });

  router.get('/bookings', requireUser, (req, res) => {
    const { tz } = parseInput(zoneQuery, req.query);
    res.json(service.list(currentUser(req), tz));
  });

  router.post('/booking/:id/cancel', requireUser, writeLimit, jsonBody(), async (req, res) => {
    const { id } = parseInput(idParams, req.params);
    const { tz } = parseInput(zoneQuery, req.query);
    res.json(await service.cancel(currentUser(req), id, tz));
  });

  // Same contract as /booking: an optional Idempotency-Key, refusals as 409 with a stable code.
  router.post('/booking/:id/reschedule', requireUser, writeLimit, jsonBody(), async (req, res) => {
    const user = currentUser(req);
    const { id } = parseInput(idParams, req.params);
    const body = parseInput(rescheduleBody, req.body);
    const rawKey = req.get('idempotency-key');
    const key = rawKey === undefined ? undefined : parseInput(idempotencyKey, rawKey);
    const result = await service.reschedule(user, id, Date.parse(body.start), offsetZoneOf(body.start), key);
    if (result.replayed) res.set('Idempotent-Replayed', 'true');
    if ('error' in result.body) throw new AppError(result.body.error.code, result.body.error.message);
    res.status(result.status).json(result.body);
  });

  router.post('/booking/:id/review', requireUser, writeLimit, jsonBody(), async (req, res) => {
    const { id } = parseInput(idParams, req.params);
    const body = parseInput(reviewBody, req.body);
    const review = await service.review(currentUser(req), id, body);
    res.status(201).json({ review: { id: review.id, bookingId: review.bookingId, rating: review.rating, comment: review.comment } });
  });

  return router;
}
