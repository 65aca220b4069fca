/** Reviews of completed sessions, and the teacher rating that follows from them. */
import { AppError } from '../errors';
import { ownBooking } from './bookings';
import type { ReviewBody } from './schemas';
import { toUtcIso } from './time';
import type { Review, SkillshareData, Teacher } from './types';
import { bookingStatus } from './views';

export function decideReview(
  data: SkillshareData,
  userId: string,
  bookingId: string,
  body: ReviewBody,
  now: number,
  newId: () => string,
): { review: Review; next: SkillshareData } {
  const booking = ownBooking(data, userId, bookingId);
  if (bookingStatus(booking, now) !== 'completed') throw new AppError('review_not_allowed', 'Only a completed session can be reviewed.');
  if (data.reviews.some((r) => r.bookingId === booking.id)) throw new AppError('review_not_allowed', 'This session has already been reviewed.');
  const review: Review = {
    id: newId(),
    bookingId: booking.id,
    teacherId: booking.teacherId,
    studentId: userId,
    rating: body.rating,
    comment: body.comment === undefined || body.comment === '' ? null : body.comment,
    createdAt: toUtcIso(now),
  };
  const reviews = [...data.reviews, review];
  const teachers = data.teachers.map((t) => (t.id === booking.teacherId ? withRating(t, reviews) : t));
  return { review, next: { ...data, reviews, teachers } };
}

/** Recomputed from every review rather than nudged, so the stored average can never drift. */
export function withRating(teacher: Teacher, reviews: readonly Review[]): Teacher {
  const own = reviews.filter((r) => r.teacherId === teacher.id);
  const count = teacher.ratingBaseline.count + own.length;
  const sum = teacher.ratingBaseline.sum + own.reduce((acc, r) => acc + r.rating, 0);
  return { ...teacher, ratingCount: count, rating: count === 0 ? null : Math.round((sum / count) * 100) / 100 };
}
