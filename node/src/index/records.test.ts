import { describe, it, expect } from 'vitest';
import { logRecordSchema } from './records';

describe('logRecordSchema', () => {
  it('accepts each record kind', () => {
    const fact = { origin: 'a', seq: 1, key: 'k', value: { n: 1 }, version: { wall: 1, counter: 0, node: 'a' } };
    expect(logRecordSchema.safeParse({ t: 'facts', facts: [fact] }).success).toBe(true);
    expect(logRecordSchema.safeParse({ t: 'upTo', upTo: { a: 3 } }).success).toBe(true);
    expect(logRecordSchema.safeParse({ t: 'gc', peerDigests: { b: { a: 3 } }, members: ['a', 'b'] }).success).toBe(true);
  });

  it('rejects unknown kinds and malformed facts', () => {
    expect(logRecordSchema.safeParse({ t: 'nope' }).success).toBe(false);
    expect(logRecordSchema.safeParse({ t: 'facts', facts: [{ origin: 'a', seq: 0 }] }).success).toBe(false);
    expect(logRecordSchema.safeParse({ t: 'upTo', upTo: { a: -1 } }).success).toBe(false);
  });
});
