/**
 * Thumbnails on the gateway's disk, one file per content hash and size, within a byte budget:
 * beyond it the least recently used go first. Files are written to a temp name and renamed, so
 * a reader (or a crash) never sees half a thumbnail. Nothing here must survive: a thumbnail
 * missing (evicted, another gateway, a wiped disk) is made again from the file on demand.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';

const KEY_PATTERN = /^[0-9a-f]{64}-[a-z]+$/;
const SUFFIX = '.webp';

export class ThumbnailStore {
  /** Key → bytes on disk, in use order (Map order: oldest use first). */
  readonly #entries = new Map<string, number>();
  #bytes = 0;

  private constructor(
    readonly dir: string,
    readonly maxBytes: number,
    private readonly logger: Logger,
  ) {}

  /** Opens (or makes, 0700) the directory and takes stock of what an earlier run left, oldest first. */
  static async open(dir: string, maxBytes: number, logger: Logger): Promise<ThumbnailStore> {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const store = new ThumbnailStore(dir, maxBytes, logger);
    const found: Array<{ key: string; size: number; used: number }> = [];
    for (const name of await fs.readdir(dir)) {
      const file = path.join(dir, name);
      if (name.endsWith('.tmp')) {
        // A write that a crash interrupted.
        await fs.rm(file, { force: true });
        continue;
      }
      const key = name.slice(0, -SUFFIX.length);
      if (!name.endsWith(SUFFIX) || !KEY_PATTERN.test(key)) continue;
      const stat = await fs.stat(file).catch(() => undefined);
      if (stat?.isFile()) found.push({ key, size: stat.size, used: stat.mtimeMs });
    }
    found.sort((a, b) => a.used - b.used);
    for (const { key, size } of found) store.#remember(key, size);
    await store.#evict();
    return store;
  }

  /** The key of a thumbnail: what it shows (the content's sha256) and how big. */
  static key(sha256: string, size: string): string {
    const key = `${sha256.toLowerCase()}-${size}`;
    if (!KEY_PATTERN.test(key)) throw new Error(`not a thumbnail key: ${key}`);
    return key;
  }

  /** The thumbnail's bytes, or undefined when it is not (or no longer) on disk. */
  async get(key: string): Promise<Buffer | undefined> {
    if (!this.#entries.has(key)) return undefined;
    try {
      const bytes = await fs.readFile(this.#file(key));
      this.#remember(key, bytes.length);
      return bytes;
    } catch {
      this.#forget(key);
      return undefined;
    }
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    if (bytes.length > this.maxBytes) return;
    const temp = path.join(this.dir, `.${key}.${crypto.randomBytes(4).toString('hex')}.tmp`);
    try {
      await fs.writeFile(temp, bytes, { mode: 0o600 });
      await fs.rename(temp, this.#file(key));
    } catch (err) {
      // A full disk costs the cache, not the answer: the caller still has the bytes.
      this.logger.warn({ err, key }, 'a thumbnail could not be cached');
      await fs.rm(temp, { force: true });
      return;
    }
    this.#remember(key, bytes.length);
    await this.#evict();
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  get bytes(): number {
    return this.#bytes;
  }

  get count(): number {
    return this.#entries.size;
  }

  #file(key: string): string {
    return path.join(this.dir, `${key}${SUFFIX}`);
  }

  #remember(key: string, size: number): void {
    this.#forget(key);
    this.#entries.set(key, size);
    this.#bytes += size;
  }

  #forget(key: string): void {
    const size = this.#entries.get(key);
    if (size === undefined) return;
    this.#entries.delete(key);
    this.#bytes -= size;
  }

  async #evict(): Promise<void> {
    const doomed: string[] = [];
    for (const [key] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#forget(key);
      doomed.push(key);
    }
    await Promise.all(doomed.map((key) => fs.rm(this.#file(key), { force: true })));
    if (doomed.length > 0) this.logger.debug({ evicted: doomed.length, bytes: this.#bytes }, 'thumbnails evicted');
  }
}
