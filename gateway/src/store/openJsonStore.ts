import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Low } from 'lowdb';
import type { z } from 'zod';
import { DurableJsonFile } from './durableJsonFile';

/**
 * Opens (or creates with `defaults`) one lowdb document backed by a DurableJsonFile. A file
 * that does not match `schema` stops start-up with a ConfigError naming the file and field.
 */
export async function openJsonStore<T>(file: string, schema: z.ZodType<T>, defaults: () => T): Promise<Low<T>> {
  await removeStaleTempFiles(file);
  const db = new Low<T>(new DurableJsonFile(file, schema), defaults());
  await db.read();
  return db;
}

/** Temp files left by a write that a kill -9 interrupted before its rename. */
async function removeStaleTempFiles(file: string): Promise<void> {
  const dir = path.dirname(file);
  const prefix = `.${path.basename(file)}.`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  await Promise.all(
    names.filter((name) => name.startsWith(prefix) && name.endsWith('.tmp')).map((name) => rm(path.join(dir, name), { force: true })),
  );
}
