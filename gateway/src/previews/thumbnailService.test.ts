import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../errors';
import { GenerationQueue } from './generationQueue';
import { THUMBNAIL_SIZES } from './renderThumbnail';
import { ThumbnailService, type ThumbnailItem, type ThumbnailOwner, type ThumbnailSource } from './thumbnailService';
import { ThumbnailStore } from './thumbnailStore';

const logger = pino({ level: 'silent' });
const owner: ThumbnailOwner = { id: 'a0000000-0000-4000-8000-000000000001', region: 'us-east' };

/** Files by id, in memory: the mesh's part is tested in test/gateway.previews.test.ts. */
class MemorySource implements ThumbnailSource {
  readonly files = new Map<string, Buffer>();
  reads = 0;
  async read(_owner: ThumbnailOwner, fileId: string): Promise<Buffer> {
    this.reads += 1;
    const bytes = this.files.get(fileId);
    if (!bytes) throw new AppError('not_found');
    return bytes;
  }
  add(bytes: Buffer, mime = 'image/jpeg'): ThumbnailItem {
    const id = crypto.randomUUID();
    this.files.set(id, bytes);
    return { id, sha256: crypto.createHash('sha256').update(bytes).digest('hex'), mime, size: bytes.length };
  }
}

/** A picture with some detail (noise compresses like a photo), `width` × `height`. */
function photo(width: number, height: number, format: 'jpeg' | 'png' = 'jpeg', orientation?: number): Promise<Buffer> {
  const pixels = crypto.randomBytes(width * height * 3);
  let image = sharp(pixels, { raw: { width, height, channels: 3 } });
  image = format === 'jpeg' ? image.jpeg({ quality: 80 }) : image.png();
  if (orientation !== undefined) image = image.withMetadata({ orientation });
  return image.toBuffer();
}

let dir: string;
let source: MemorySource;

async function service(opts: { cacheBytes?: number; maxPixels?: number; queue?: GenerationQueue } = {}): Promise<{ service: ThumbnailService; store: ThumbnailStore }> {
  const store = await ThumbnailStore.open(dir, opts.cacheBytes ?? 64 * 1024 * 1024, logger);
  const made = new ThumbnailService({
    store,
    queue: opts.queue ?? new GenerationQueue(2, 4, 100),
    source,
    maxSourceBytes: 32 * 1024 * 1024,
    maxPixels: opts.maxPixels ?? 50_000_000,
    logger,
  });
  return { service: made, store };
}

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'geovault-thumbs-'));
  source = new MemorySource();
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('ThumbnailService', () => {
  it('applies the EXIF orientation: a landscape JPEG tagged "rotate 90°" comes out portrait, without metadata', async () => {
    const item = source.add(await photo(400, 200, 'jpeg', 6));
    const { service: thumbs } = await service();
    const small = await thumbs.thumbnail(owner, item, 'small');
    const meta = await sharp(small.bytes).metadata();
    expect(small.mime).toBe('image/webp');
    expect(meta.format).toBe('webp');
    expect([meta.width, meta.height]).toEqual([64, 128]);
    expect(meta.exif).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
    const large = await thumbs.thumbnail(owner, item, 'large');
    // Never enlarged: the 200 × 400 picture fits the 512 px box as it is.
    expect(await sharp(large.bytes).metadata()).toMatchObject({ width: 200, height: 400 });
    expect(small.etag).toBe(`"${item.sha256}-small"`);
    expect(large.etag).not.toBe(small.etag);
  });

  it('makes a thumbnail once per version and size: later calls, and a restarted gateway, read the cache', async () => {
    const item = source.add(await photo(300, 300));
    const first = await service();
    const a = await first.service.thumbnail(owner, item);
    const b = await first.service.thumbnail(owner, item);
    expect(first.service.generated).toBe(1);
    expect(source.reads).toBe(1);
    expect(b.bytes.equals(a.bytes)).toBe(true);

    const restarted = await service();
    await restarted.service.thumbnail(owner, item);
    expect(restarted.service.generated).toBe(0);
    expect(source.reads).toBe(1);

    // A new version is new content: a new hash, so a new thumbnail.
    const next = { ...source.add(await photo(300, 300)), id: item.id };
    source.files.set(item.id, source.files.get(next.id)!);
    const c = await restarted.service.thumbnail(owner, next);
    expect(restarted.service.generated).toBe(1);
    expect(c.etag).not.toBe(a.etag);
  });

  it('decodes once when the same thumbnail is asked for many times at once', async () => {
    const item = source.add(await photo(600, 400));
    const { service: thumbs } = await service();
    await Promise.all(Array.from({ length: 5 }, () => thumbs.thumbnail(owner, item)));
    expect(thumbs.generated).toBe(1);
  });

  it('keeps the cache under its byte cap, least recently used out, and makes an evicted one again on demand', async () => {
    const items = await Promise.all([1, 2, 3, 4].map(async () => source.add(await photo(256, 256))));
    const probe = await service();
    const one = await probe.service.thumbnail(owner, items[0]!);
    await fs.rm(dir, { recursive: true, force: true });
    // Room for about two and a half thumbnails.
    const cap = Math.floor(one.bytes.length * 2.5);
    const { service: thumbs, store } = await service({ cacheBytes: cap });
    for (const item of items.slice(0, 3)) await thumbs.thumbnail(owner, item);
    // The first is used again: the second is now the least recently used.
    await thumbs.thumbnail(owner, items[0]!);
    await thumbs.thumbnail(owner, items[3]!);
    expect(store.bytes).toBeLessThanOrEqual(cap);
    const onDisk = (await fs.readdir(dir)).filter((name) => name.endsWith('.webp'));
    expect(onDisk.length).toBe(store.count);
    expect(onDisk.some((name) => name.startsWith(items[1]!.sha256))).toBe(false);
    expect(onDisk.some((name) => name.startsWith(items[0]!.sha256))).toBe(true);
    const total = (await Promise.all(onDisk.map((name) => fs.stat(path.join(dir, name))))).reduce((sum, s) => sum + s.size, 0);
    expect(total).toBeLessThanOrEqual(cap);

    const before = thumbs.generated;
    await thumbs.thumbnail(owner, items[1]!);
    expect(thumbs.generated).toBe(before + 1);
  });

  it('answers 415 preview_unavailable for a corrupt image and for a type it does not read, and 413 past the pixel limit', async () => {
    const { service: thumbs } = await service({ maxPixels: 1_000_000 });
    const jpeg = await photo(200, 200);
    const corrupt = source.add(Buffer.concat([jpeg.subarray(0, 200), Buffer.alloc(500, 7)]));
    await expect(thumbs.thumbnail(owner, corrupt)).rejects.toMatchObject({ status: 415, code: 'preview_unavailable' });
    const notAnImage = source.add(Buffer.from('hello'), 'image/jpeg');
    await expect(thumbs.thumbnail(owner, notAnImage)).rejects.toMatchObject({ status: 415, code: 'preview_unavailable' });
    const svg = source.add(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'image/svg+xml');
    await expect(thumbs.thumbnail(owner, svg)).rejects.toMatchObject({ status: 415, code: 'preview_unavailable' });
    expect(source.reads).toBe(2);
    const huge = source.add(await photo(1200, 1000, 'png'), 'image/png');
    await expect(thumbs.thumbnail(owner, huge)).rejects.toMatchObject({ status: 413, code: 'preview_too_large' });
    // Nothing was cached for the failures, and the service still works.
    const good = source.add(jpeg);
    expect((await thumbs.thumbnail(owner, good)).bytes.length).toBeGreaterThan(0);
    expect(THUMBNAIL_SIZES.small).toBe(128);
  });
});

describe('GenerationQueue', () => {
  const gate = () => {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    return { open, opened };
  };

  it('runs at most `concurrency` at once, gives a free slot to the user served longest ago, and caps each user', async () => {
    const queue = new GenerationQueue(1, 3, 10);
    const g = gate();
    const order: string[] = [];
    let running = 0;
    let peak = 0;
    const task = (name: string) => async () => {
      running += 1;
      peak = Math.max(peak, running);
      order.push(name);
      await g.opened;
      running -= 1;
    };
    // Alice asks for three at once (the first runs), then Bob for two.
    const all = [queue.run('alice', task('a1')), queue.run('alice', task('a2')), queue.run('alice', task('a3'))];
    await expect(queue.run('alice', task('a4'))).rejects.toMatchObject({ status: 429, code: 'rate_limited' });
    all.push(queue.run('bob', task('b1')), queue.run('bob', task('b2')));
    expect(queue.running).toBe(1);
    expect(queue.waiting).toBe(4);
    g.open();
    await Promise.all(all);
    expect(order).toEqual(['a1', 'b1', 'a2', 'b2', 'a3']);
    expect(peak).toBe(1);
    expect(queue.running).toBe(0);
    expect(queue.waiting).toBe(0);
    // The cap counts what is in flight: alice may ask again.
    await queue.run('alice', async () => undefined);
  });

  it('refuses with 503 when the line is full, and a failing task frees its slot', async () => {
    const queue = new GenerationQueue(1, 10, 1);
    const g = gate();
    const first = queue.run('a', () => g.opened);
    const second = queue.run('b', async () => 'ran');
    await expect(queue.run('c', async () => undefined)).rejects.toMatchObject({ status: 503 });
    g.open();
    await first;
    expect(await second).toBe('ran');
    await expect(queue.run('a', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await queue.run('a', async () => 'again')).toBe('again');
  });
});
