import { describe, expect, test } from 'vitest';
import { Awareness } from './awareness';

describe('Awareness (local health)', () => {
  test('the score stays within 0..max-1 and scales timeouts by score + 1', () => {
    const a = new Awareness(8);
    expect(a.scaleTimeout(200)).toBe(200);
    expect(a.applyDelta(-1)).toBe(0);
    expect(a.applyDelta(3)).toBe(3);
    expect(a.scaleTimeout(200)).toBe(800);
    expect(a.applyDelta(100)).toBe(7);
    expect(a.scaleTimeout(100)).toBe(800);
    expect(a.applyDelta(-2)).toBe(5);
  });

  test('a multiplier of 1 disables it', () => {
    const a = new Awareness(1);
    a.applyDelta(5);
    expect(a.score).toBe(0);
    expect(a.scaleTimeout(300)).toBe(300);
  });

  test('listeners hear changes only', () => {
    const a = new Awareness(3);
    const heard: number[] = [];
    a.onChange((s) => heard.push(s));
    a.applyDelta(-1);
    a.applyDelta(1);
    a.applyDelta(5);
    a.applyDelta(1);
    a.applyDelta(-1);
    expect(heard).toEqual([1, 2, 1]);
  });

  test('a bad multiplier is refused', () => {
    expect(() => new Awareness(0)).toThrow();
    expect(() => new Awareness(1.5)).toThrow();
  });
});
