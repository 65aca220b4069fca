// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { ActivityQueue } from './activityQueue';

const gossip = (from: string, to: string) => ({ kind: 'gossip' as const, from, to });

describe('ActivityQueue', () => {
  it('shows at most one dot per direction and kind within the gap', () => {
    const q = new ActivityQueue({ minGapMs: 500, durationMs: 1_000 });
    expect(q.offer(gossip('a', 'b'), 0)).not.toBeNull();
    expect(q.offer(gossip('a', 'b'), 100)).toBeNull();
    expect(q.offer(gossip('a', 'b'), 499)).toBeNull();
    expect(q.offer(gossip('a', 'b'), 500)).not.toBeNull();
  });

  it('lets the other direction and the other kind through', () => {
    const q = new ActivityQueue({ minGapMs: 500 });
    expect(q.offer(gossip('a', 'b'), 0)).not.toBeNull();
    expect(q.offer(gossip('b', 'a'), 1)).not.toBeNull();
    expect(q.offer({ kind: 'replication', from: 'a', to: 'b' }, 2)).not.toBeNull();
    expect(q.active).toHaveLength(3);
  });

  it('caps the dots in flight and frees room as they arrive', () => {
    const q = new ActivityQueue({ minGapMs: 0, maxDots: 2, durationMs: 1_000 });
    expect(q.offer(gossip('a', 'b'), 0)).not.toBeNull();
    expect(q.offer(gossip('b', 'c'), 0)).not.toBeNull();
    expect(q.offer(gossip('c', 'a'), 10)).toBeNull();
    expect(q.expire(999)).toHaveLength(2);
    expect(q.expire(1_000)).toHaveLength(0);
    expect(q.offer(gossip('c', 'a'), 1_000)).not.toBeNull();
  });

  it('gives each dot a unique id and an arrival time, and ignores self-loops', () => {
    const q = new ActivityQueue({ minGapMs: 0, durationMs: 1_200 });
    const one = q.offer(gossip('a', 'b'), 10)!;
    const two = q.offer(gossip('b', 'a'), 20)!;
    expect(one.id).not.toBe(two.id);
    expect(one.until).toBe(1_210);
    expect(q.offer(gossip('a', 'a'), 30)).toBeNull();
  });
});
