import { describe, it, expect } from 'vitest';
import type { Fact } from '../gossip/frames';
import { FactsByOrigin } from './factsByOrigin';

const fact = (origin: string, seq: number): Fact => ({
  origin,
  seq,
  key: `${origin}/${seq}`,
  value: seq,
  version: { wall: 1, counter: seq, node: origin },
});

describe('FactsByOrigin', () => {
  it('returns a range in seq order whatever the insertion order', () => {
    const store = new FactsByOrigin();
    for (const seq of [5, 1, 3, 9, 7]) store.add(fact('a', seq));
    store.add(fact('b', 2));
    expect(store.origins()).toEqual(['a', 'b']);
    expect(store.range('a', 1, Infinity, 10)).toEqual({ facts: [3, 5, 7, 9].map((s) => fact('a', s)), complete: true });
    expect(store.range('a', 0, 6, 10).facts.map((f) => f.seq)).toEqual([1, 3, 5]);
  });

  it('says when the limit cut a range short', () => {
    const store = new FactsByOrigin();
    for (const seq of [1, 2, 3]) store.add(fact('a', seq));
    expect(store.range('a', 0, Infinity, 2)).toEqual({ facts: [fact('a', 1), fact('a', 2)], complete: false });
    expect(store.range('a', 1, Infinity, 2).complete).toBe(true);
    expect(store.range('z', 0, Infinity, 2)).toEqual({ facts: [], complete: true });
  });

  it('forgets deleted facts', () => {
    const store = new FactsByOrigin();
    for (const seq of [1, 2, 3]) store.add(fact('a', seq));
    store.delete(fact('a', 2));
    store.delete(fact('a', 8));
    expect(store.range('a', 0, Infinity, 10).facts.map((f) => f.seq)).toEqual([1, 3]);
  });
});
