/**
 * Thumbnails of image files, made once per version: the cache is keyed by the content's
 * sha256 (a new version has a new hash) and the size, so any gateway that lacks one makes it
 * again from the file. The interface knows owners and items, not requests or sessions: the
 * file manager's route and public share pages call it the same way, after their own checks.
 */
import crypto from 'node:crypto';
import type { Logger } from 'pino';
import { AppError } from '../errors';
import type { GenerationQueue } from './generationQueue';
import { mediaType } from '../../../common/previews/previewKind';
import { renderThumbnail, THUMBNAIL_MIME, THUMBNAIL_SIZES, THUMBNAIL_SOURCE_TYPES, type ThumbnailSize } from './renderThumbnail';
import { ThumbnailStore } from './thumbnailStore';

/** Whose file it is: the nodes keep files by owner, and read from the owner's region first. */
export interface ThumbnailOwner {
  id: string;
  region: string;
}

/** The file, as the tree lists it (its current version). */
export interface ThumbnailItem {
  id: string;
  sha256: string;
  mime: string;
  size: number;
}

/** Where a file's bytes come from (the mesh in the gateway, memory in unit tests). */
export interface ThumbnailSource {
  /** The whole file; refuses (preview_too_large) past `maxBytes` without reading on. */
  read(owner: ThumbnailOwner, fileId: string, maxBytes: number): Promise<Buffer>;
}

export interface Thumbnail {
  bytes: Buffer;
  /** Strong: the same content and size always give the same bytes' meaning. */
  etag: string;
  mime: string;
}

export interface ThumbnailServiceDeps {
  store: ThumbnailStore;
  queue: GenerationQueue;
  source: ThumbnailSource;
  maxSourceBytes: number;
  maxPixels: number;
  logger: Logger;
}

export class ThumbnailService {
  /** Thumbnails made (not served from the cache) since start: tests and logs read it. */
  generated = 0;
  /** One generation per key at a time: a grid asked twice at once decodes once. */
  readonly #making = new Map<string, Promise<Buffer>>();

  constructor(private readonly deps: ThumbnailServiceDeps) {}

  static etag(item: Pick<ThumbnailItem, 'sha256'>, size: ThumbnailSize): string {
    return `"${item.sha256}-${size}"`;
  }

  /** Throws unless a thumbnail can be made of this file at all (its type, its size): no I/O. */
  check(item: ThumbnailItem): void {
    if (!THUMBNAIL_SOURCE_TYPES.has(mediaType(item.mime))) {
      throw new AppError('preview_unavailable', 'Thumbnails are made of JPEG, PNG, WebP, GIF, AVIF and TIFF images only.');
    }
    if (item.size > this.deps.maxSourceBytes) {
      throw new AppError('preview_too_large', `The image is larger than ${Math.round(this.deps.maxSourceBytes / 1024 / 1024)} MB: no thumbnail is made of it.`);
    }
    if (!/^[0-9a-f]{64}$/.test(item.sha256)) throw new AppError('preview_unavailable', 'The file has no content hash yet.');
  }

  async thumbnail(owner: ThumbnailOwner, item: ThumbnailItem, size: ThumbnailSize = 'small'): Promise<Thumbnail> {
    this.check(item);
    const key = ThumbnailStore.key(item.sha256, size);
    const bytes = (await this.deps.store.get(key)) ?? (await this.#make(owner, item, size, key));
    return { bytes, etag: ThumbnailService.etag(item, size), mime: THUMBNAIL_MIME };
  }

  #make(owner: ThumbnailOwner, item: ThumbnailItem, size: ThumbnailSize, key: string): Promise<Buffer> {
    const running = this.#making.get(key);
    if (running) return running;
    const made = this.deps.queue
      .run(owner.id, async () => {
        // Made by another request while this one waited in line.
        const cached = await this.deps.store.get(key);
        if (cached) return cached;
        const started = performance.now();
        const source = await this.deps.source.read(owner, item.id, this.deps.maxSourceBytes);
        const thumb = await renderThumbnail(source, THUMBNAIL_SIZES[size], this.deps.maxPixels);
        this.generated += 1;
        // A version uploaded between the listing and the read: right for this answer, but not
        // to be kept under the older version's hash.
        const sha256 = crypto.createHash('sha256').update(source).digest('hex');
        if (sha256 === item.sha256) await this.deps.store.put(key, thumb);
        this.deps.logger.debug({ fileId: item.id, size, sourceBytes: source.length, ms: Math.round(performance.now() - started) }, 'thumbnail made');
        return thumb;
      })
      .finally(() => this.#making.delete(key));
    this.#making.set(key, made);
    return made;
  }
}
