/**
 * Idempotency-Key bookkeeping for POST /booking: the first answer (success or a 4xx from the
 * catalogue) is stored per user and key and replayed verbatim, so a client that retries after
 * a timeout never books twice and sees the same status code.
 *
 * Both tables are bounded (DESIGN §9): expired answers go first, then the oldest past a per-user
 * and a total cap, so that one user's flood of keys can neither grow memory nor push out other
 * users' answers. A key pushed out is simply decided again, as after a restart; a booking it
 * made still stands in the way of a second one (the overlap check), so nobody is booked twice.
 */
import { createHash } from 'node:crypto';
import type { BookingRequest } from './bookings';
import type { IdempotencyRecord, SkillshareData } from './types';

export interface KeyLimits {
  readonly ttlMs: number;
  readonly perUser: number;
  readonly total: number;
}

/** Same course and same instant = same request, however the client wrote the offset. */
export function fingerprintOf(request: BookingRequest): string {
  return createHash('sha256').update(`${request.courseId}\n${request.start}`).digest('hex');
}

/** A move of one booking to one instant; never equal to a booking's fingerprint. */
export function rescheduleFingerprintOf(bookingId: string, start: number): string {
  return createHash('sha256').update(`reschedule\n${bookingId}\n${start}`).digest('hex');
}

export function findRecord(data: SkillshareData, userId: string, key: string, now: number, ttlMs: number): IdempotencyRecord | undefined {
  return data.idempotency.find((r) => r.userId === userId && r.key === key && r.createdAt + ttlMs > now);
}

/** Adds a stored answer, dropping expired ones and then the oldest beyond the caps. */
export function remember(data: SkillshareData, record: IdempotencyRecord, now: number, limits: KeyLimits): SkillshareData {
  const live = data.idempotency.filter((r) => r.createdAt + limits.ttlMs > now && !(r.userId === record.userId && r.key === record.key));
  return { ...data, idempotency: keepNewest([...live, record], limits) };
}

/** `records` oldest first; keeps the newest within both caps, in the same order. */
function keepNewest(records: readonly IdempotencyRecord[], limits: KeyLimits): IdempotencyRecord[] {
  const perUser = new Map<string, number>();
  const kept: IdempotencyRecord[] = [];
  for (let i = records.length - 1; i >= 0 && kept.length < limits.total; i--) {
    const r = records[i]!;
    const count = perUser.get(r.userId) ?? 0;
    if (count >= limits.perUser) continue;
    perUser.set(r.userId, count + 1);
    kept.push(r);
  }
  return kept.reverse();
}

/**
 * Refusals, kept in memory only: persisting them made every losing request of a rush rewrite
 * the store (200 fsynced writes for one seat). A refused request retried after a restart, or
 * after its answer was pushed out, is decided again; a refusal has nothing to undo.
 */
export class RefusalMemory {
  /** Insertion order is age order: the first entry is the oldest. */
  readonly #all = new Map<string, IdempotencyRecord>();
  readonly #byUser = new Map<string, Set<string>>();

  constructor(private readonly limits: KeyLimits) {}

  get size(): number {
    return this.#all.size;
  }

  find(userId: string, key: string, now: number): IdempotencyRecord | undefined {
    const record = this.#all.get(entryId(userId, key));
    return record !== undefined && record.createdAt + this.limits.ttlMs > now ? record : undefined;
  }

  remember(record: IdempotencyRecord, now: number): void {
    const id = entryId(record.userId, record.key);
    this.#drop(id);
    this.#dropExpired(now);
    this.#all.set(id, record);
    const mine = this.#byUser.get(record.userId) ?? new Set<string>();
    mine.add(id);
    this.#byUser.set(record.userId, mine);
    for (const oldest of mine) {
      if (mine.size <= this.limits.perUser) break;
      this.#drop(oldest);
    }
    for (const oldest of this.#all.keys()) {
      if (this.#all.size <= this.limits.total) break;
      this.#drop(oldest);
    }
  }

  /** Stops at the first live entry: ages only grow along the map. */
  #dropExpired(now: number): void {
    for (const [id, record] of this.#all) {
      if (record.createdAt + this.limits.ttlMs > now) break;
      this.#drop(id);
    }
  }

  #drop(id: string): void {
    const record = this.#all.get(id);
    if (record === undefined) return;
    this.#all.delete(id);
    const mine = this.#byUser.get(record.userId);
    mine?.delete(id);
    if (mine?.size === 0) this.#byUser.delete(record.userId);
  }
}

function entryId(userId: string, key: string): string {
  return `${userId}\u0000${key}`;
}
