import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../../../common/config/configError';

/** Thumbnail generation and its disk cache (DESIGN §10: thumbnails for images). */
export interface ThumbnailConfig {
  /** `<gatewayDir>/thumbnails`: one WebP per content hash and size. */
  readonly dir: string;
  /** The cache's size on disk; the least recently used thumbnails go first beyond it. */
  readonly cacheBytes: number;
  /** Images decoded at once by this gateway; more wait in line. */
  readonly concurrency: number;
  /** Thumbnails one user may have generating or waiting at once: nobody holds the line. */
  readonly perUser: number;
  /** Requests that may wait for a free slot, all users together; beyond it the answer is 503. */
  readonly maxWaiting: number;
  /** Sources larger than this are not read for a thumbnail (413). */
  readonly maxSourceBytes: number;
  /** Width × height beyond which an image is not decoded (413): a small file may claim a huge canvas. */
  readonly maxPixels: number;
}

const int = (min: number, max: number) => {
  const expected = `an integer from ${min} to ${max}`;
  return z.coerce.number({ error: expected }).int(expected).min(min, expected).max(max, expected);
};

const thumbnailEnvSchema = z.object({
  GATEWAY_THUMBNAIL_CACHE_MB: int(1, 1_000_000).default(512),
  // Default: every core but one (at most 4), so that downloads and uploads always keep a core:
  // on the 2 cores here one image at a time.
  GATEWAY_THUMBNAIL_CONCURRENCY: int(1, 64).optional(),
  // A browser tab asks six at a time; a few tabs, or an API client, may ask more.
  GATEWAY_THUMBNAILS_PER_USER: int(1, 1000).default(32),
  GATEWAY_THUMBNAIL_QUEUE: int(1, 100_000).default(256),
  GATEWAY_THUMBNAIL_MAX_SOURCE_MB: int(1, 4096).default(64),
  // 12 MP cameras are 12, phones of 2024 up to 50 (their "200 MP" modes are opt-in); 100 MP of
  // RGBA is 400 MB of pixels at worst, which a shrink-on-load JPEG never gets near.
  GATEWAY_THUMBNAIL_MAX_MEGAPIXELS: int(1, 1000).default(100),
});

/** Reads the thumbnail settings from the environment once at start-up; errors name the field. */
export function readThumbnailConfig(gatewayDir: string, env: NodeJS.ProcessEnv = process.env): ThumbnailConfig {
  const result = thumbnailEnvSchema.safeParse(env);
  if (!result.success) throw ConfigError.fromZod('environment', result.error);
  const parsed = result.data;
  const cores = os.availableParallelism();
  return Object.freeze({
    dir: path.join(gatewayDir, 'thumbnails'),
    cacheBytes: parsed.GATEWAY_THUMBNAIL_CACHE_MB * 1024 * 1024,
    concurrency: parsed.GATEWAY_THUMBNAIL_CONCURRENCY ?? Math.min(4, Math.max(1, cores - 1)),
    perUser: parsed.GATEWAY_THUMBNAILS_PER_USER,
    maxWaiting: parsed.GATEWAY_THUMBNAIL_QUEUE,
    maxSourceBytes: parsed.GATEWAY_THUMBNAIL_MAX_SOURCE_MB * 1024 * 1024,
    maxPixels: parsed.GATEWAY_THUMBNAIL_MAX_MEGAPIXELS * 1_000_000,
  });
}
