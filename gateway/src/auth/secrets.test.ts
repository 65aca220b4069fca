import { describe, expect, it } from 'vitest';
import { hashCode, hexEquals, newCode, newSalt, newToken } from './secrets';

describe('secrets', () => {
  it('draws six-digit codes, leading zeros included', () => {
    const codes = Array.from({ length: 2000 }, newCode);
    for (const code of codes) expect(code).toMatch(/^\d{6}$/);
    expect(new Set(codes).size).toBeGreaterThan(1990);
  });

  it('makes 256-bit tokens', () => {
    expect(Buffer.from(newToken(), 'base64url')).toHaveLength(32);
    expect(newToken()).not.toBe(newToken());
  });

  it('binds a code hash to its salt and its challenge', () => {
    const salt = newSalt();
    const hash = hashCode('123456', salt, 'challenge-a');
    expect(hexEquals(hash, hashCode('123456', salt, 'challenge-a'))).toBe(true);
    expect(hexEquals(hash, hashCode('123456', salt, 'challenge-b'))).toBe(false);
    expect(hexEquals(hash, hashCode('123456', newSalt(), 'challenge-a'))).toBe(false);
    expect(hexEquals(hash, hashCode('123457', salt, 'challenge-a'))).toBe(false);
    expect(hexEquals(hash, '')).toBe(false);
  });
});
