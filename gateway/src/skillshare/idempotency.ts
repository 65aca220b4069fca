/**
 * Idempotency-Key bookkeeping for POST /booking: the first answer (success or a 4xx from the
 * catalogue) is stored per user and key and replayed verbatim, so a client that retries after
 * a timeout never books twice and sees the same status code.
 */
import { createHash } from 'node:crypto';
import type { BookingRequest } from './bookings';
import type { IdempotencyRecord, SkillshareData } from './types';

/** Same course and same instant = same request, however the client wrote the offset. */
export function fingerprintOf(request: BookingRequest): string {
  return createHash('sha256').update(`${request.courseId}\n${request.start}`).digest('hex');
}

export function findRecord(data: SkillshareData, userId: string, key: string, now: number, ttlMs: number): IdempotencyRecord | undefined {
  return data.idempotency.find((r) => r.userId === userId && r.key === key && r.createdAt + ttlMs > now);
}

/** Adds a record and drops expired ones, so the list stays as small as the TTL allows. */
export function remember(data: SkillshareData, record: IdempotencyRecord, now: number, ttlMs: number): SkillshareData {
  const live = data.idempotency.filter((r) => r.createdAt + ttlMs > now && !(r.userId === record.userId && r.key === record.key));
  return { ...data, idempotency: [...live, record] };
}
