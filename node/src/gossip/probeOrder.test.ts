import { describe, expect, test } from 'vitest';
import { seededRandom } from '../time/random';
import { PeerSet, ProbeOrder } from './probeOrder';

describe('ProbeOrder', () => {
  test('every member once per lap, in the same order every lap', () => {
    const order = new ProbeOrder(seededRandom(1));
    const ids = ['a', 'b', 'c', 'd', 'e'];
    for (const id of ids) order.add(id);
    const lap = () => ids.map(() => order.next(() => true)!);
    const first = lap();
    expect([...first].sort()).toEqual(ids);
    expect(lap()).toEqual(first);
  });

  test('skips ineligible members and gives up after one lap', () => {
    const order = new ProbeOrder(seededRandom(2));
    for (const id of ['a', 'b', 'c']) order.add(id);
    expect(new Set([order.next((id) => id !== 'b'), order.next((id) => id !== 'b')])).toEqual(new Set(['a', 'c']));
    expect(order.next(() => false)).toBeUndefined();
  });

  test('a newcomer is probed within the next lap', () => {
    const order = new ProbeOrder(seededRandom(3));
    for (const id of ['a', 'b', 'c', 'd']) order.add(id);
    order.next(() => true);
    order.add('e');
    const seen = Array.from({ length: 5 }, () => order.next(() => true));
    expect(seen).toContain('e');
  });
});

describe('PeerSet', () => {
  test('samples distinct members, never the excluded one', () => {
    const set = new PeerSet();
    for (let i = 0; i < 100; i++) set.add(`n${i}`);
    set.delete('n5');
    const random = seededRandom(4);
    for (let round = 0; round < 50; round++) {
      const pick = set.sample(3, random, 'n7');
      expect(new Set(pick).size).toBe(3);
      expect(pick).not.toContain('n7');
      expect(pick).not.toContain('n5');
    }
    expect(set.sample(5, random, 'a')).toHaveLength(5);
    const small = new PeerSet();
    small.add('x');
    small.add('y');
    expect(small.sample(3, random, 'x')).toEqual(['y']);
    expect(small.size).toBe(2);
  });
});
