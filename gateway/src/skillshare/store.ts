import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import type { Logger } from 'pino';
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
 * the check-and-commit guarantee comes from this store's own mutex.
 */
export async function openSkillshareStore(file: string, { now, logger }: StoreOptions): Promise<SkillshareStore> {
  const log = logger.child({ component: 'skillshare-store' });
  await mkdir(dirname(file), { recursive: true });
  const adapter = new JSONFile<SkillshareData>(file);
  const existing = await adapter.read();
  const db = new Low<SkillshareData>(adapter, existing ?? buildSeed(now()));
  if (existing === null) {
    await db.write();
    log.info({ file, teachers: db.data.teachers.length, courses: db.data.courses.length }, 'seeded the SkillShare catalogue');
  } else {
    assertShape(existing, file);
  }
  const mutex = createMutex();

  return {
    file,
    read: () => db.data,
    update: (step) =>
      mutex.run(async () => {
        const { result, next } = await step(db.data);
        if (next !== undefined && next !== db.data) {
          await adapter.write(next);
          db.data = next;
        }
        return result;
      }),
  };
}

function assertShape(data: unknown, file: string): asserts data is SkillshareData {
  const d = data as Partial<Record<keyof SkillshareData, unknown>>;
  const lists = ['teachers', 'courses', 'bookings', 'reviews', 'idempotency'] as const;
  const bad = d.version !== 1 ? 'version (expected 1)' : lists.find((k) => !Array.isArray(d[k]));
  if (bad !== undefined) throw new Error(`${file}: unexpected content in field "${bad}"; expected a SkillShare store, version 1`);
}
