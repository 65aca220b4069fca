import { describe, expect, it } from 'vitest';
import { conflictName, displayNames, isNameTaken, pickAvailableName, takenNames, type Sibling } from './conflictNames';
import { MAX_NAME_LENGTH, nameLength } from './itemName';
import type { ItemKind } from './itemName';
import { stamp } from './testSupport';

function sibling(id: string, name: string, wall: number, origin: string, kind: ItemKind = 'file'): Sibling {
  return { id, name, kind, placedBy: { hlc: stamp(wall, origin), origin } };
}

describe('conflictName', () => {
  it('puts the region before the last extension of a file', () => {
    expect(conflictName('report.pdf', 'file', 'asia')).toBe('report (conflict asia).pdf');
    expect(conflictName('archive.tar.gz', 'file', 'asia')).toBe('archive.tar (conflict asia).gz');
    expect(conflictName('.env', 'file', 'eu-west')).toBe('.env (conflict eu-west)');
    expect(conflictName('v1.2', 'folder', 'us-east')).toBe('v1.2 (conflict us-east)');
    expect(conflictName('report.pdf', 'file', 'asia', 3)).toBe('report (conflict asia 3).pdf');
  });
});

describe('displayNames', () => {
  it('keeps the name for the earliest-placed item and marks the later ones, whatever the input order', () => {
    const a = sibling('a', 'report.pdf', 10, 'us-east');
    const b = sibling('b', 'report.pdf', 12, 'asia');
    const c = sibling('c', 'notes.txt', 11, 'asia');
    for (const list of [[a, b, c], [c, b, a]]) {
      expect(Object.fromEntries(displayNames(list))).toEqual({
        a: 'report.pdf',
        b: 'report (conflict asia).pdf',
        c: 'notes.txt',
      });
    }
  });

  it('treats composed and decomposed accents as the same name', () => {
    const names = displayNames([sibling('a', '\u00e9t\u00e9.txt', 1, 'us-east'), sibling('b', 'e\u0301te\u0301.txt', 2, 'asia')]);
    expect(names.get('b')).toBe('e\u0301te\u0301 (conflict asia).txt');
  });

  it('never shows two children with one name, even against real names and repeated regions', () => {
    const list = [
      sibling('a', 'x.txt', 1, 'us-east'),
      sibling('b', 'x.txt', 2, 'asia'),
      sibling('c', 'x.txt', 3, 'asia'),
      sibling('d', 'x (conflict asia 2).txt', 4, 'eu-west'),
      sibling('e', 'x.txt', 5, 'eu-west'),
      sibling('f', 'x.txt', 6, 'asia', 'folder'),
    ];
    const names = displayNames(list);
    expect(Object.fromEntries(names)).toEqual({
      a: 'x.txt',
      b: 'x (conflict asia).txt',
      c: 'x (conflict asia 3).txt',
      d: 'x (conflict asia 2).txt',
      e: 'x (conflict eu-west).txt',
      f: 'x.txt (conflict asia)',
    });
    expect(new Set(names.values()).size).toBe(list.length);
  });
});

describe('name_taken and ?onConflict=rename', () => {
  const children = [
    sibling('a', 'report.pdf', 10, 'us-east'),
    sibling('b', 'report.pdf', 12, 'asia'),
    sibling('c', 'report (1).pdf', 13, 'us-east'),
    sibling('d', 'Photos', 14, 'us-east', 'folder'),
  ];

  it('counts real names and shown conflict names as taken, except the item being renamed', () => {
    const taken = takenNames(children);
    expect(isNameTaken(taken, 'report.pdf')).toBe(true);
    expect(isNameTaken(taken, 'report (conflict asia).pdf')).toBe(true);
    expect(isNameTaken(taken, 'Photos')).toBe(true);
    expect(isNameTaken(taken, 'photos')).toBe(false);
    expect(isNameTaken(takenNames(children, 'd'), 'Photos')).toBe(false);
  });

  it('picks the name itself when free, else the first free "name (n).ext"', () => {
    const taken = takenNames(children);
    const isTaken = (name: string) => isNameTaken(taken, name);
    expect(pickAvailableName('new.pdf', 'file', isTaken)).toBe('new.pdf');
    expect(pickAvailableName('report.pdf', 'file', isTaken)).toBe('report (2).pdf');
    expect(pickAvailableName('report (1).pdf', 'file', isTaken)).toBe('report (2).pdf');
    expect(pickAvailableName('Photos', 'folder', isTaken)).toBe('Photos (1)');
    expect(pickAvailableName('.env', 'file', (n) => n === '.env')).toBe('.env (1)');
    expect(pickAvailableName('a.tar.gz', 'file', (n) => n === 'a.tar.gz')).toBe('a.tar (1).gz');
  });

  it('stays within the length limit by shortening the stem', () => {
    const long = `${'é'.repeat(251)}.pdf`;
    const picked = pickAvailableName(long, 'file', (n) => n === long);
    expect(nameLength(picked)).toBe(MAX_NAME_LENGTH);
    expect(picked.endsWith(' (1).pdf')).toBe(true);
    const hugeExt = `a.${'x'.repeat(200)}`;
    expect(nameLength(pickAvailableName(hugeExt, 'file', (n) => n === hugeExt))).toBeLessThanOrEqual(MAX_NAME_LENGTH);
  });
});
