import { describe, expect, it } from 'vitest';
import { isCommonPassword } from './passwords';

describe('isCommonPassword', () => {
  it('finds listed passwords whatever their case, first and last entries included', async () => {
    expect(await isCommonPassword('123456')).toBe(true); // the list's first entry
    expect(await isCommonPassword('xpcrew')).toBe(true); // its last
    expect(await isCommonPassword('PassWord')).toBe(true);
    expect(await isCommonPassword('Trustno1')).toBe(true);
  });

  it('does not match parts of entries, or two entries across a line break', async () => {
    expect(await isCommonPassword('asswor')).toBe(false); // inside "password" but not itself listed
    expect(await isCommonPassword('123456\npassword')).toBe(false);
    expect(await isCommonPassword('correct horse battery staple 7')).toBe(false);
    expect(await isCommonPassword('')).toBe(false);
  });
});
