import { chmod, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import { openJsonStore } from '../store/openJsonStore';
import { createMutex } from './mutex';
import { buildSeed } from './seed/index';
import type { SkillshareData } from './types';

/** What an update step returns: its result and, if it changed anything, the new state. */
export interface Change<T> {
  result: T;
  next?: SkillshareData;
}

export interface SkillshareStore {
  readonly file: string;
  /** The last committed state. Readonly by type; changes go through `update`. */
  read(): SkillshareData;
  /**
   * Runs `step` alone (one at a time per store, in arrival order) on the latest committed
   * state. If it returns `next`, that state is written to disk (atomically: temp file + rename)
   * before it becomes visible, so a failed write leaves both disk and memory as they were.
   */
  update<T>(step: (data: SkillshareData) => Change<T> | Promise<Change<T>>): Promise<T>;
}

export interface StoreOptions {
  now: () => number;
  logger: Logger;
}

/**
 * Opens (and on first open seeds) the SkillShare lowdb file. Open each file once per process:
 * the check-and-commit guarantee comes from this store's own mutex. Writes go through the
 * gateway's DurableJsonFile (0600, fsynced, renamed into place); a file left more open by an
 * older version is narrowed to 0600 here, and a directory made here is 0700 (DESIGN §9).
 */
export async function openSkillshareStore(file: string, { now, logger }: StoreOptions): Promise<SkillshareStore> {
  const log = logger.child({ component: 'skillshare-store' });
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const existed = await narrowMode(file, log);
  const db = await openJsonStore(file, skillshareFileSchema(), () => buildSeed(now()));
  if (!existed) {
    await db.write();
    log.info({ file, teachers: db.data.teachers.length, courses: db.data.courses.length }, 'seeded the SkillShare catalogue');
  }
  const mutex = createMutex();

  return {
    file,
    read: () => db.data,
    update: (step) =>
      mutex.run(async () => {
        const { result, next } = await step(db.data);
        if (next !== undefined && next !== db.data) {
          await db.adapter.write(next);
          db.data = next;
        }
        return result;
      }),
  };
}

/** Whether `file` exists; if it does with group or other bits, it is chmod'ed to 0600. */
async function narrowMode(file: string, log: Logger): Promise<boolean> {
  let mode: number;
  try {
    mode = (await stat(file)).mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  // Windows has no such bits to narrow.
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    await chmod(file, 0o600);
    log.info({ file, was: mode.toString(8) }, 'narrowed the SkillShare file to mode 0600');
  }
  return true;
}

/**
 * Only the top level is checked, as before: the records are what this code wrote, and checking
 * each field would turn one odd record into a gateway that does not start.
 */
function skillshareFileSchema(): z.ZodType<SkillshareData> {
  const list = z.array(z.unknown());
  return z
    .looseObject({
      version: z.literal(1, 'expected 1 (a SkillShare store, version 1)'),
      teachers: list,
      courses: list,
      bookings: list,
      reviews: list,
      idempotency: list,
    })
    .transform((data) => data as unknown as SkillshareData);
}
