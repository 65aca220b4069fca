import { describe, expect, it } from 'vitest';
import { AppError } from '../errors';
import { checkFileName, parseRelativePath, uploadQuerySchema } from './uploadPlacement';

describe('parseRelativePath', () => {
  it('splits folders from the file name', () => {
    expect(parseRelativePath('photos/2024/a.jpg')).toEqual({ folders: ['photos', '2024'], name: 'a.jpg' });
    expect(parseRelativePath('été 📷/a b.jpg')).toEqual({ folders: ['été 📷'], name: 'a b.jpg' });
    expect(parseRelativePath('a.jpg')).toEqual({ folders: [], name: 'a.jpg' });
  });

  it('refuses every part that is not a valid name, with a 400 that says which', () => {
    for (const bad of ['../a.jpg', 'photos/../../a.jpg', '/etc/passwd', 'photos//a.jpg', 'photos/', './a.jpg', 'a\nb/c.jpg', `${'x'.repeat(256)}/a.jpg`, '']) {
      let caught: unknown;
      try {
        parseRelativePath(bad);
      } catch (error) {
        caught = error;
      }
      expect(caught, JSON.stringify(bad)).toBeInstanceOf(AppError);
      expect((caught as AppError).code).toBe('invalid_request');
      expect((caught as AppError).message).toMatch(/^relativePath: /);
    }
  });

  it('refuses paths deeper than the node will make', () => {
    expect(() => parseRelativePath(`${'d/'.repeat(65)}a.jpg`)).toThrow(/at most 64/);
    expect(parseRelativePath(`${'d/'.repeat(64)}a.jpg`).folders).toHaveLength(64);
  });
});

describe('upload query and names', () => {
  it('takes a folder id or root and a conflict rule', () => {
    expect(uploadQuerySchema.parse({ folder: 'root', onConflict: 'rename' })).toEqual({ folder: 'root', onConflict: 'rename' });
    expect(uploadQuerySchema.safeParse({ folder: '../x' }).success).toBe(false);
    expect(uploadQuerySchema.safeParse({ onConflict: 'overwrite' }).success).toBe(false);
  });

  it('checks a file name like any item name', () => {
    expect(checkFileName('holiday ü.zip')).toBe('holiday ü.zip');
    expect(() => checkFileName('..')).toThrow(AppError);
    expect(() => checkFileName('a\u202Efdp.exe')).toThrow(/control characters/);
  });
});
