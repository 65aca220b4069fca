import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../common/config/configError';
import { readThumbnailConfig } from './thumbnailConfig';

describe('readThumbnailConfig', () => {
  it('works with no settings, under the gateway directory', () => {
    const config = readThumbnailConfig('/data/gateway', {});
    expect(config.dir).toBe(path.join('/data/gateway', 'thumbnails'));
    expect(config.cacheBytes).toBe(512 * 1024 * 1024);
    expect(config.concurrency).toBeGreaterThanOrEqual(1);
    expect(config.perUser).toBe(32);
    expect(config.maxPixels).toBe(100_000_000);
  });

  it('takes overrides from the environment and names a bad one', () => {
    const config = readThumbnailConfig('/g', { GATEWAY_THUMBNAIL_CACHE_MB: '8', GATEWAY_THUMBNAIL_CONCURRENCY: '3', GATEWAY_THUMBNAILS_PER_USER: '1', GATEWAY_THUMBNAIL_MAX_MEGAPIXELS: '20' });
    expect(config).toMatchObject({ cacheBytes: 8 * 1024 * 1024, concurrency: 3, perUser: 1, maxPixels: 20_000_000 });
    expect(() => readThumbnailConfig('/g', { GATEWAY_THUMBNAIL_CACHE_MB: 'lots' })).toThrow(ConfigError);
    expect(() => readThumbnailConfig('/g', { GATEWAY_THUMBNAIL_CONCURRENCY: '0' })).toThrow(/GATEWAY_THUMBNAIL_CONCURRENCY/);
  });
});
