import { describe, expect, it } from 'vitest';
import { itemNameSchema, nameKey, nameLength, nameProblem, splitExtension, truncateCodePoints } from './itemName';

describe('nameProblem', () => {
  it('accepts ordinary names, unicode, spaces, dotfiles and dots inside a name', () => {
    for (const name of ['report.pdf', 'Photos 2024', 'été.txt', '照片', '.env', '...', 'a..b', ' x ', '📄'.repeat(255)]) {
      expect(nameProblem(name), name).toBeNull();
    }
  });

  it('refuses what the API must refuse, each with its reason', () => {
    expect(nameProblem('')).toBe('empty');
    expect(nameProblem('a'.repeat(256))).toBe('too_long');
    expect(nameProblem('📄'.repeat(256))).toBe('too_long');
    expect(nameProblem('a/b')).toBe('slash');
    expect(nameProblem('/')).toBe('slash');
    expect(nameProblem('a\nb')).toBe('control_character');
    expect(nameProblem('tab\there')).toBe('control_character');
    expect(nameProblem('nul\u0000')).toBe('control_character');
    expect(nameProblem('del\u007f')).toBe('control_character');
    expect(nameProblem('c1\u0085')).toBe('control_character');
    expect(nameProblem('invoice\u202efdp.exe')).toBe('control_character');
    expect(nameProblem('line\u2028sep')).toBe('control_character');
    expect(nameProblem('.')).toBe('dot_name');
    expect(nameProblem('..')).toBe('dot_name');
    expect(nameProblem('half\ud800')).toBe('invalid_unicode');
  });

  it('is what the zod schema checks, with the reason in the issue', () => {
    expect(itemNameSchema.safeParse('ok.txt').success).toBe(true);
    const result = itemNameSchema.safeParse('..');
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]).toMatchObject({ code: 'custom', params: { problem: 'dot_name' } });
    expect(itemNameSchema.safeParse(42).success).toBe(false);
  });
});

describe('splitExtension', () => {
  it('splits at the last dot of a file, never for folders, dotfiles or a trailing dot', () => {
    expect(splitExtension('report.pdf', 'file')).toEqual({ base: 'report', ext: '.pdf' });
    expect(splitExtension('archive.tar.gz', 'file')).toEqual({ base: 'archive.tar', ext: '.gz' });
    expect(splitExtension('.env', 'file')).toEqual({ base: '.env', ext: '' });
    expect(splitExtension('.env.local', 'file')).toEqual({ base: '.env', ext: '.local' });
    expect(splitExtension('README', 'file')).toEqual({ base: 'README', ext: '' });
    expect(splitExtension('odd.', 'file')).toEqual({ base: 'odd.', ext: '' });
    expect(splitExtension('v1.2', 'folder')).toEqual({ base: 'v1.2', ext: '' });
  });
});

describe('nameKey, nameLength, truncateCodePoints', () => {
  it('compares composed and decomposed accents as one name, and keeps case', () => {
    expect(nameKey('e\u0301t\u00e9')).toBe(nameKey('\u00e9t\u00e9'));
    expect(nameKey('Report')).not.toBe(nameKey('report'));
  });

  it('counts and cuts by code point, never half an emoji', () => {
    expect(nameLength('a📄b')).toBe(3);
    expect(truncateCodePoints('📄📄📄', 2)).toBe('📄📄');
    expect(truncateCodePoints('abc', 0)).toBe('');
  });
});
