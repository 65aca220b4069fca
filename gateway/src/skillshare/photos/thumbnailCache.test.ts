import { describe, expect, it } from 'vitest';
import { ThumbnailCache } from './thumbnailCache';

describe('ThumbnailCache', () => {
  it('stays within its byte budget, dropping the least recently used first', () => {
    const cache = new ThumbnailCache(30);
    cache.set('a', Buffer.alloc(10));
    cache.set('b', Buffer.alloc(10));
    cache.set('c', Buffer.alloc(10));
    expect(cache.get('a')).toBeDefined();
    cache.set('d', Buffer.alloc(10));
    expect(cache.get('b')).toBeUndefined();
    expect([cache.get('a'), cache.get('c'), cache.get('d')].every((x) => x !== undefined)).toBe(true);
    expect(cache.bytes).toBe(30);
    cache.set('huge', Buffer.alloc(31));
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.bytes).toBe(30);
  });
});
