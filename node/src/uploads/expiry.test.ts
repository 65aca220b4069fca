import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../store/migrations';
import { FakeClock } from '../time/fakeClock';
import { selectExpired, UploadExpiry } from './expiry';
import { BusyError, HolderLeases } from './holderLeases';
import { ResumableRecords, type PartialRecord } from './resumableRecords';
import { durableProgress } from './uploadState';

const HOUR = 3600_000;

function record(n: number, over: Partial<PartialRecord> = {}): PartialRecord {
  const hex = n.toString(16).padStart(12, '0');
  return {
    uploadId: `00000000-0000-4000-8000-${hex}`,
    userId: '11111111-1111-4111-8111-111111111111',
    length: 100,
    meta: { filename: `f${n}`, folderId: null, filetype: null, onConflict: 'version', holders: ['a', 'b', 'c'] },
    header: Buffer.alloc(8),
    createdAt: 0,
    expiresAt: 24 * HOUR,
    offset: 0,
    tail: Buffer.alloc(0),
    state: 'open',
    ...over,
  };
}

describe('upload expiry', () => {
  let db: Database.Database;
  let records: ResumableRecords;
  const clock = new FakeClock(0);

  beforeEach(() => {
    db = new Database(':memory:');
    migrate(db);
    records = new ResumableRecords(db, async () => undefined);
  });
  afterEach(() => db.close());

  it('finds the records past their expiry through the index, a page at a time, in expiry order', async () => {
    for (let i = 0; i < 250; i++) await records.insert(record(i, { createdAt: i * 1000, expiresAt: 24 * HOUR + (i % 5) * 1000 }));
    expect(records.expired(24 * HOUR - 1, 100)).toEqual([]);
    const pages: string[] = [];
    let after: { expiresAt: number; uploadId: string } | undefined;
    for (;;) {
      const page = records.expired(24 * HOUR + 2000, 100, after);
      pages.push(...page.map((r) => r.uploadId));
      if (page.length < 100) break;
      after = { expiresAt: page.at(-1)!.expiresAt, uploadId: page.at(-1)!.uploadId };
    }
    expect(pages).toHaveLength(150);
    expect(new Set(pages).size).toBe(150);
    const plan = db.prepare('EXPLAIN QUERY PLAN SELECT * FROM resumable_uploads WHERE expires_at <= 5 ORDER BY expires_at, upload_id LIMIT 10').all() as Array<{ detail: string }>;
    expect(plan.map((row) => row.detail).join(' ')).toContain('resumable_uploads_expiry');
  });

  it('removes what expired with a fake clock, releases what was not committed, and spares an upload being written', async () => {
    await records.insert(record(1, { expiresAt: 1000 }));
    await records.insert(record(2, { expiresAt: 1000, state: 'completed' }));
    await records.insert(record(3, { expiresAt: 1000 }));
    await records.insert(record(4, { expiresAt: 5000 }));
    const removed: string[] = [];
    const released: string[] = [];
    const writing = new Set([record(3).uploadId]);
    const expiry = new UploadExpiry({
      expired: (now, limit, after) => records.expired(now, limit, after),
      isBeingWritten: (id) => writing.has(id),
      remove: async (_userId, uploadId) => {
        removed.push(uploadId);
        await records.remove(uploadId);
      },
      release: (_userId, uploadId) => released.push(uploadId),
      clock: () => clock.now(),
      intervalMs: 1000,
      logger: pino({ level: 'silent' }),
    });
    clock.advance(999);
    await expiry.runOnce();
    expect(removed).toEqual([]);
    clock.advance(1);
    await expiry.runOnce();
    expect(removed).toEqual([record(1).uploadId, record(2).uploadId]);
    expect(released).toEqual([record(1).uploadId]);
    writing.clear();
    clock.advance(4000);
    await expiry.runOnce();
    expect(removed).toEqual([1, 2, 3, 4].map((n) => record(n).uploadId));
    expect(released).toEqual([1, 3, 4].map((n) => record(n).uploadId));
  });

  it('selects nothing before its time', () => {
    expect(selectExpired([record(1, { expiresAt: 10 })], 9, () => false)).toEqual([]);
    expect(selectExpired([record(1, { expiresAt: 10 })], 10, () => false)).toHaveLength(1);
  });
});

describe('holder leases', () => {
  it('refuses a second writer while the first pings, and hands the upload over once it went silent', async () => {
    const clock = new FakeClock(0);
    const leases = new HolderLeases(10_000, () => clock.now());
    const first = await leases.acquire('u');
    await expect(leases.acquire('u')).rejects.toThrow(/another coordinator/);
    clock.advance(9_000);
    first.touch();
    clock.advance(9_000);
    await expect(leases.acquire('u')).rejects.toThrow(/another coordinator/);
    clock.advance(1_000);
    // The silent writer is aborted, and the next one waits for it to let go.
    first.signal.addEventListener('abort', () => setTimeout(() => first.release(), 5));
    const second = await leases.acquire('u');
    expect(first.signal.aborted).toBe(true);
    expect(second.signal.aborted).toBe(false);
    second.release();
    const third = await leases.acquire('u');
    third.release();
  });

  it('takes the upload from a standby writer that has written nothing, never from one that started writing', async () => {
    const clock = new FakeClock(0);
    const leases = new HolderLeases(10_000, () => clock.now());
    const standby = await leases.acquire('u', { standby: true });
    standby.signal.addEventListener('abort', () => standby.release());
    // Pinging, well within its lease: it gives way all the same.
    standby.touch();
    const other = await leases.acquire('u');
    expect(standby.signal.aborted).toBe(true);
    expect(standby.signal.reason).toBeInstanceOf(BusyError);
    other.release();
    const writing = await leases.acquire('u', { standby: true });
    writing.hold();
    await expect(leases.acquire('u')).rejects.toThrow(BusyError);
    expect(writing.signal.aborted).toBe(false);
    writing.release();
  });
});

describe('durableProgress', () => {
  const at = (offset: number, state: PartialRecord['state'] = 'open') => record(1, { offset, state });

  it('is the highest offset W holders may hold, an unreachable holder counted as possibly at the top', () => {
    // Every holder reachable: a PATCH still committing on one holder does not show yet.
    expect(durableProgress(new Map([['a', at(30)], ['b', at(50)], ['c', at(10)]]), 2)).toMatchObject({ offset: 30, base: 'a', phase: 'open' });
    // One holder down: the furthest reachable one may share its offset with it (an acknowledged PATCH).
    expect(durableProgress(new Map([['a', at(30)], ['c', at(10)]]), 2, 1)).toMatchObject({ offset: 30, base: 'a' });
    expect(durableProgress(new Map([['a', at(100, 'sealed')], ['b', at(100, 'sealed')], ['c', at(10)]]), 2)).toMatchObject({ offset: 100, phase: 'whole' });
    expect(durableProgress(new Map([['a', at(100, 'sealed')], ['c', at(10)]]), 2, 1)).toMatchObject({ offset: 100, base: 'a', phase: 'whole' });
    expect(durableProgress(new Map([['a', at(100, 'stored')], ['c', at(10)]]), 2)).toMatchObject({ offset: 100, phase: 'stored' });
    expect(durableProgress(new Map([['a', at(100, 'stored')], ['b', at(100, 'completed')]]), 2)).toMatchObject({ phase: 'completed' });
    expect(durableProgress(new Map(), 2)).toMatchObject({ offset: 0, base: undefined });
    // At one offset, sealed holders come first: an empty file two holders sealed is whole, whatever order they answered in.
    expect(durableProgress(new Map([['c', at(0)], ['a', at(0, 'sealed')], ['b', at(0, 'sealed')]]), 2)).toMatchObject({ offset: 0, phase: 'whole' });
    expect(durableProgress(new Map([['c', at(0)], ['a', at(0, 'sealed')], ['b', at(0)]]), 2)).toMatchObject({ phase: 'open' });
  });
});
