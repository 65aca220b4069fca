import { describe, expect, it } from 'vitest';
import { replicaSummary } from './replicaSummary';

describe('replicaSummary', () => {
  it('says all is well in few words, and puts trouble first', () => {
    expect(replicaSummary({ a: 'stored', b: 'stored', c: 'stored' })).toBe('3 replicas stored');
    expect(replicaSummary({ a: 'stored' })).toBe('1 replica stored');
    expect(replicaSummary({ a: 'stored', b: 'pending', c: 'corrupt' })).toBe('1 corrupt, 1 pending, 1 stored');
    expect(replicaSummary({})).toBe('no replica yet');
  });
});
