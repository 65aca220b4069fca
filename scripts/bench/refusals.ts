import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createBookingService } from '../../gateway/src/skillshare/bookingService';
import { RefusalMemory } from '../../gateway/src/skillshare/idempotency';
import { DEFAULT_POLICY } from '../../gateway/src/skillshare/policy';
import { openSkillshareStore } from '../../gateway/src/skillshare/store';
import type { Mailer } from '../../gateway/src/mail/mailer';
import { numberArg } from './args';

/**
 * The memory a flood of refused bookings can take (issue 11: 20,000 refusals grew the gateway
 * from 123 to 169 MiB). The booking service with the production limits, in this process:
 * `--refusals` refused requests, each with its own Idempotency-Key, from as many users (the
 * worst case for the per-user caps). Prints the retained heap before and after, and the size
 * of the refusal table. Usage: npm run bench:refusals [-- --refusals 20000]
 */
const refusals = numberArg('refusals', 20_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc (npm run bench:refusals does)');

const dir = await mkdtemp(join(tmpdir(), 'geovault-refusals-'));
try {
  let now = Date.parse('2026-03-02T08:00:00Z');
  const logger = pino({ level: 'silent' });
  const store = await openSkillshareStore(join(dir, 'skillshare.json'), { now: () => now, logger });
  const memory = new RefusalMemory({ ttlMs: DEFAULT_POLICY.idempotencyTtlMs, perUser: DEFAULT_POLICY.idempotencyKeysPerUser, total: DEFAULT_POLICY.idempotencyKeysTotal });
  const mailer: Mailer = { send: async () => undefined };
  const service = createBookingService({ store, mailer, now: () => now, logger, policy: DEFAULT_POLICY, refusals: memory });
  const retainedMiB = () => {
    gc();
    return Math.round((process.memoryUsage().heapUsed / 2 ** 20) * 10) / 10;
  };
  const before = retainedMiB();
  for (let i = 0; i < refusals; i++) {
    const user = { id: `user-${i}`, email: `user-${i}@example.test`, name: `User ${i}`, region: 'eu-west', sessionId: `s-${i}` };
    await service.book(user, { courseId: 'c-no-such-course', start: Date.parse('2026-03-03T17:00:00Z') }, 'UTC', `key-${i}`);
    now += 1;
  }
  const after = retainedMiB();
  process.stdout.write(
    JSON.stringify({ bench: 'refusals', refusals, heapMiB: { before, after, grown: Math.round((after - before) * 10) / 10 }, tableSize: memory.size, tableCap: DEFAULT_POLICY.idempotencyKeysTotal }) + '\n',
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
