import { describe, expect, test } from 'vitest';
import { parsePeerFrame } from './frames';

describe('membership frames on the wire', () => {
  test('nack is a frame of its own, validated like the others', () => {
    expect(parsePeerFrame(JSON.stringify({ type: 'nack', seq: 4, updates: [] }))).toEqual({ ok: true, frame: { type: 'nack', seq: 4, updates: [] } });
    expect(parsePeerFrame(JSON.stringify({ type: 'nack', seq: -1, updates: [] })).ok).toBe(false);
    expect(parsePeerFrame(JSON.stringify({ type: 'nack', seq: 1 })).ok).toBe(false);
    expect(parsePeerFrame(JSON.stringify({ type: 'nack', seq: 1.5, updates: [] })).ok).toBe(false);
  });

  test('ping-req may ask for a nack; anything but a boolean is refused', () => {
    const req = { type: 'ping-req', seq: 1, target: 'asia', updates: [] };
    expect(parsePeerFrame(JSON.stringify({ ...req, nack: true }))).toMatchObject({ ok: true, frame: { nack: true } });
    expect(parsePeerFrame(JSON.stringify(req))).toMatchObject({ ok: true });
    expect(parsePeerFrame(JSON.stringify({ ...req, nack: 'yes' })).ok).toBe(false);
  });

  test('a leave travels as the node’s own dead; `left` is a state, not a kind on the wire', () => {
    const leave = { kind: 'dead', node: 'asia', incarnation: 3, from: 'asia' };
    expect(parsePeerFrame(JSON.stringify({ type: 'gossip', updates: [leave] })).ok).toBe(true);
    expect(parsePeerFrame(JSON.stringify({ type: 'gossip', updates: [{ ...leave, kind: 'left' }] })).ok).toBe(false);
  });
});
