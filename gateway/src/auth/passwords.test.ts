import { describe, expect, it } from 'vitest';
import { isTriviallyGuessable } from './passwordRules';
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

describe('isTriviallyGuessable (DESIGN §9)', () => {
  const email = 'ada.lovelace+cloud@example.org';

  it('refuses one repeated character, short repeats and runs', () => {
    const patterns = ['aaaaaaaa', 'ZZZZZZZZZZZZ', 'ééééééééé', 'abababab', 'abcabcab', 'passpass', '12121212'];
    const runs = ['12345678', '87654321', 'abcdefgh', '7890123456'];
    for (const password of [...patterns, ...runs]) {
      expect(isTriviallyGuessable(password, email), password).toBe(true);
    }
  });

  it("refuses the email's own name, alone or with a few characters or a pattern added", () => {
    const names = ['ada.lovelace', 'adalovelace', 'ada.lovelace+cloud', 'ada.lovelace@example.org'];
    const withExtras = ['Ada.Lovelace1', 'AdaLovelace!!', 'ada.lovelace2024', 'ada.lovelace123456789'];
    for (const password of [...names, ...withExtras]) {
      expect(isTriviallyGuessable(password, email), password).toBe(true);
    }
  });

  it('accepts passwords that merely contain a pattern or the name', () => {
    const fine = ['correct horse battery staple 42', 'a'.repeat(100) + 'tail-one', 'x'.repeat(127) + 'y'];
    const almost = ['ada.lovelace wrote the first program', 'abcdefgz', '1234567890x'];
    for (const password of [...fine, ...almost]) {
      expect(isTriviallyGuessable(password, email), password).toBe(false);
    }
    // A very short local part is no name to speak of.
    expect(isTriviallyGuessable('ab-something-long', 'ab@example.org')).toBe(false);
  });
});
