import { describe, expect, test } from 'vitest';
import type { MemberUpdate } from './frames';
import { BroadcastQueue, transmitLimit } from './broadcastQueue';

const u = (node: string, kind: MemberUpdate['kind'] = 'alive', incarnation = 1): MemberUpdate => ({ kind, node, incarnation, from: 'x' });
const nodes = (updates: MemberUpdate[]) => updates.map((x) => x.node);

describe('BroadcastQueue', () => {
  test('transmit limit = mult × ceil(log10(n + 1))', () => {
    expect(transmitLimit(4, 3)).toBe(4);
    expect(transmitLimit(4, 9)).toBe(4);
    expect(transmitLimit(4, 10)).toBe(8);
    expect(transmitLimit(4, 1_000)).toBe(16);
  });

  test('each update is sent exactly the limit number of times', () => {
    const q = new BroadcastQueue(2);
    q.enqueue(u('a'));
    const sent = Array.from({ length: 5 }, () => q.take(10, 3).length);
    expect(sent).toEqual([1, 1, 0, 0, 0]);
    expect(q.size).toBe(0);
  });

  test('a newer update about the same node replaces the older one', () => {
    const q = new BroadcastQueue(3);
    q.enqueue(u('a', 'alive', 1));
    q.enqueue(u('a', 'suspect', 1));
    expect(q.size).toBe(1);
    expect(q.take(10, 3)).toEqual([u('a', 'suspect', 1)]);
    // And its budget starts afresh.
    q.take(10, 3);
    q.enqueue(u('a', 'dead', 1));
    expect(q.take(10, 3)).toEqual([u('a', 'dead', 1)]);
  });

  test('least transmitted first, most recent first, at most max per frame', () => {
    const q = new BroadcastQueue(10);
    for (const id of ['a', 'b', 'c']) q.enqueue(u(id));
    expect(nodes(q.take(2, 3))).toEqual(['c', 'b']);
    q.enqueue(u('d'));
    // d and a have never been sent; d is newer.
    expect(nodes(q.take(2, 3))).toEqual(['d', 'a']);
    // All four have been sent once now; a newcomer still goes first.
    q.enqueue(u('e'));
    const next = nodes(q.take(5, 3));
    expect(next[0]).toBe('e');
    expect(new Set(next)).toEqual(new Set(['a', 'b', 'c', 'd', 'e']));
  });

  test('a full frame takes no more than asked', () => {
    const q = new BroadcastQueue(4);
    for (let i = 0; i < 100; i++) q.enqueue(u(`n${i}`));
    const first = q.take(64, 100);
    expect(first).toHaveLength(64);
    expect(first[0]!.node).toBe('n99');
    expect(q.take(64, 100)).toHaveLength(64);
  });
});
