import type { Response } from 'express';
import type { Thumbnail } from './thumbnailService';

/**
 * How long a browser keeps a thumbnail. A URL that names the version (`?v=<sha256>`) shows the
 * same picture for ever, so it is kept a year without asking; a bare URL may show a newer
 * version tomorrow, so the browser asks each time and gets a 304 while nothing changed.
 * `private`: it is somebody's own file, never for a shared cache.
 */
export function thumbnailCacheControl(versioned: boolean): string {
  return versioned ? 'private, max-age=31536000, immutable' : 'private, no-cache';
}

/** If-None-Match against a strong ETag: a list, `*`, or a weak form of the same tag all match. */
export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((candidate) => {
    const tag = candidate.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });
}

/** The thumbnail with its caching headers (set only now: an error answer stays no-store). */
export function sendThumbnail(res: Response, thumbnail: Thumbnail, versioned: boolean): void {
  res.set({
    'Content-Type': thumbnail.mime,
    'Content-Length': String(thumbnail.bytes.length),
    ETag: thumbnail.etag,
    'Cache-Control': thumbnailCacheControl(versioned),
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(thumbnail.bytes);
}
