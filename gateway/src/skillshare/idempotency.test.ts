import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuthenticatedUser } from '../auth/authenticatedUser';
import { createBookingService } from './bookingService';
import { RefusalMemory, remember } from './idempotency';
import { DEFAULT_POLICY } from './policy';
import { openSkillshareStore } from './store';
import type { SkillshareStore } from './store';
import { RecordingMailer, TestClock } from './testSupport';
import type { IdempotencyRecord, SkillshareData } from './types';

const HOUR = 3_600_000;
const limits = { ttlMs: 24 * HOUR, perUser: 3, total: 5 };

function record(userId: string, key: string, createdAt: number, status = 409): IdempotencyRecord {
  const body = { error: { code: 'slot_unavailable' as const, message: 'taken' } };
  return { userId, key, fingerprint: `fp-${key}`, status, body, createdAt };
}

describe('RefusalMemory', () => {
  it('keeps at most `perUser` answers per user, dropping that user’s oldest first', () => {
    const memory = new RefusalMemory(limits);
    for (let i = 0; i < 10; i++) memory.remember(record('mallory', `k${i}`, i), i);
    memory.remember(record('alice', 'a1', 10), 10);
    expect(memory.size).toBe(4);
    expect(memory.find('mallory', 'k6', 11)).toBeUndefined();
    for (const key of ['k7', 'k8', 'k9']) expect(memory.find('mallory', key, 11)?.key).toBe(key);
    expect(memory.find('alice', 'a1', 11)?.key).toBe('a1');
  });

  it('keeps at most `total` answers, dropping the oldest of anyone’s first', () => {
    const memory = new RefusalMemory(limits);
    for (let i = 0; i < 8; i++) memory.remember(record(`user-${i}`, 'k', i), i);
    expect(memory.size).toBe(5);
    expect(memory.find('user-2', 'k', 9)).toBeUndefined();
    expect(memory.find('user-3', 'k', 9)?.userId).toBe('user-3');
  });

  it('forgets answers after the TTL, and drops them as new ones arrive', () => {
    const memory = new RefusalMemory(limits);
    memory.remember(record('alice', 'old', 0), 0);
    expect(memory.find('alice', 'old', 24 * HOUR - 1)?.key).toBe('old');
    expect(memory.find('alice', 'old', 24 * HOUR)).toBeUndefined();
    memory.remember(record('bob', 'new', 24 * HOUR), 24 * HOUR);
    expect(memory.size).toBe(1);
  });
});

describe('remember (stored successes)', () => {
  const empty: SkillshareData = { version: 1, teachers: [], courses: [], bookings: [], reviews: [], idempotency: [] };

  it('keeps the newest answers within the per-user and total caps, oldest first', () => {
    let data = empty;
    for (let i = 0; i < 6; i++) data = remember(data, record('mallory', `m${i}`, i, 201), i, limits);
    for (let i = 0; i < 3; i++) data = remember(data, record(`u${i}`, 'k', 10 + i, 201), 10 + i, limits);
    expect(data.idempotency.map((r) => `${r.userId}/${r.key}`)).toEqual(['mallory/m4', 'mallory/m5', 'u0/k', 'u1/k', 'u2/k']);
  });
});

describe('refused bookings through the service', () => {
  let dir: string;
  let store: SkillshareStore;
  const clock = TestClock.at('2026-03-02T08:00:00Z');
  const user = (id: string): AuthenticatedUser => ({ id, email: `${id}@example.test`, name: `User ${id}`, region: 'eu-west', sessionId: `s-${id}` });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skillshare-idem-'));
    store = await openSkillshareStore(join(dir, 'skillshare.json'), { now: clock.now, logger: pino({ level: 'silent' }) });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const refused = { courseId: 'c-no-such-course', start: Date.parse('2026-03-03T17:00:00Z') };
  function serviceWith(perUser: number, total: number) {
    const policy = { ...DEFAULT_POLICY, idempotencyKeysPerUser: perUser, idempotencyKeysTotal: total };
    const refusals = new RefusalMemory({ ttlMs: policy.idempotencyTtlMs, perUser, total });
    const service = createBookingService({ store, mailer: new RecordingMailer(), now: clock.now, logger: pino({ level: 'silent' }), policy, refusals });
    return { service, refusals };
  }

  it('one user’s 25,000 refused keys stay within the per-user cap and push out nobody else’s', async () => {
    const { service, refusals } = serviceWith(100, 10_000);
    expect((await service.book(user('alice'), refused, 'UTC', 'alice-key')).status).toBe(404);
    for (let i = 0; i < 25_000; i++) {
      await service.book(user('mallory'), refused, 'UTC', `key-${i}`);
      clock.advance(1);
    }
    expect(refusals.size).toBe(101);
    expect(await service.book(user('alice'), refused, 'UTC', 'alice-key')).toMatchObject({ status: 404, replayed: true });
    expect(await service.book(user('mallory'), refused, 'UTC', 'key-24999')).toMatchObject({ status: 404, replayed: true });
    // A key still held keeps its meaning: reused for another request it is refused, not decided.
    const reused = service.book(user('mallory'), { ...refused, courseId: 'c-chess-game-analysis' }, 'UTC', 'key-24999');
    await expect(reused).rejects.toMatchObject({ code: 'conflict' });
    // Refusals never reach the store.
    expect(store.read().idempotency).toHaveLength(0);
  });

  it('25,000 refusals from as many users stay within the total cap', async () => {
    const { service, refusals } = serviceWith(100, 1_000);
    for (let i = 0; i < 25_000; i++) {
      await service.book(user(`user-${i}`), refused, 'UTC', 'same-key');
      clock.advance(1);
    }
    expect(refusals.size).toBe(1_000);
    expect(await service.book(user('user-24999'), refused, 'UTC', 'same-key')).toMatchObject({ status: 404, replayed: true });
  });
});
