import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Adapter } from 'lowdb';
import type { z } from 'zod';
import { ConfigError } from '../../../common/config/configError';
import { fsyncDir, mkdirDurable } from '../../../common/durable/durableFs';

/**
 * A lowdb adapter for one JSON file. lowdb's own JSONFile (steno) already writes a temp file
 * and renames it, but never fsyncs, so a power cut can leave an empty file behind the
 * rename. This one writes a uniquely named temp file, fsyncs it, renames it over the target
 * and fsyncs the directory; writes are queued so that they land in call order. A kill -9 at
 * any point leaves either the previous or the new complete file.
 */
export class DurableJsonFile<T> implements Adapter<T> {
  #queue: Promise<void> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly schema: z.ZodType<T>,
  ) {}

  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ConfigError(this.file, '', 'a JSON document (the file is not valid JSON)');
    }
    const result = this.schema.safeParse(json);
    if (!result.success) throw ConfigError.fromZod(this.file, result.error);
    return result.data;
  }

  /** Serialises now (a snapshot of the data at call time) and resolves once it is durable. */
  write(data: T): Promise<void> {
    const text = JSON.stringify(data, null, 1);
    const next = this.#queue.then(() => this.#writeNow(text));
    // A failed write must not wedge the queue for later writes; the caller still sees it fail.
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #writeNow(text: string): Promise<void> {
    const dir = path.dirname(this.file);
    await mkdirDurable(dir);
    const temp = path.join(dir, `.${path.basename(this.file)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const handle = await open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, this.file);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    await fsyncDir(dir);
  }
}
