import { describe, expect, it } from 'vitest';
import { displayNameErrorCode, displayNameProblem, displayNameSchema, isReservedName } from './displayName';

describe('isReservedName', () => {
  it('refuses the brand and staff roles however they are written', () => {
    const reserved = [
      'GeoVault',
      'GeoVault Support',
      'geovault support',
      'GeoVault  Support',
      'geovault-support',
      'GEOVAULT_SUPPORT',
      'G e o V a u l t',
      'GéoVäult Süpport',
      'G3oVau1t Support',
      'GeoVauIt Team',
      'Official GeoVault',
      'The GeoVault team',
      'Ｇｅｏｖａｕｌｔ', // full-width
      'Geo\u200bVault', // zero-width space inside
      'Support',
      'Admin',
      'Аdmin', // Cyrillic А
      'Adrnin',
      'Adm1n',
      'Administrator',
      'System',
      'Staff',
      'Security',
      'Moderator',
      'Customer Support Team',
      'Trust & Safety',
      'System Administrator',
      'no-reply',
      'Help Desk',
    ];
    for (const name of reserved) expect(isReservedName(name), name).toBe(true);
  });

  it('accepts ordinary names, including ones that contain a role word beside a real name', () => {
    const fine = ['Ada Lovelace', 'Sofía Martínez', 'Lukas Becker', 'Sam Admin', 'Mo Dawson', 'Theodor', 'Noah', '李小龙', 'Carey Mulligan', 'Ali', 'Bernd Supportnik'];
    for (const name of fine) expect(isReservedName(name), name).toBe(false);
  });
});

describe('displayNameProblem', () => {
  it('refuses control characters, line breaks and bidi overrides', () => {
    for (const name of ['Ada\nLovelace', 'Ada\r\nBcc: x', 'Ada\tL', 'Ada\u0000', 'Ada\u2028L', 'Ada \u202eecalevoL']) {
      expect(displayNameProblem(name), JSON.stringify(name)).toMatchObject({ code: 'invalid_request' });
    }
  });

  it('refuses web addresses', () => {
    for (const name of ['https://evil.example/x', 'Visit www.evil', 'Ada evil.com', 'ada@example.org', 'Ａｄａ ｅｖｉｌ．ｃｏｍ']) {
      expect(displayNameProblem(name), name).toMatchObject({ code: 'invalid_request', message: expect.stringContaining('web address') });
    }
  });

  it('answers reserved_name for a reserved name and null for a good one', () => {
    expect(displayNameProblem('GeoVault Support')).toMatchObject({ code: 'reserved_name' });
    expect(displayNameProblem('J.R.R. Tolkien')).toBeNull();
    expect(displayNameProblem('Zoë Ní Bhriain')).toBeNull();
  });
});

describe('displayNameSchema', () => {
  it('trims, and tags a refused name with its error code', () => {
    expect(displayNameSchema().parse('  Ada Lovelace  ')).toBe('Ada Lovelace');
    const reserved = displayNameSchema().safeParse('geovault-support');
    expect(reserved.success).toBe(false);
    expect(displayNameErrorCode(reserved.error?.issues[0])).toBe('reserved_name');
    const url = displayNameSchema().safeParse('evil.com');
    expect(displayNameErrorCode(url.error?.issues[0])).toBe('invalid_request');
    const long = displayNameSchema(5).safeParse('Ada Lovelace');
    expect(long.success).toBe(false);
    expect(displayNameErrorCode(long.error?.issues[0])).toBeUndefined();
  });
});
