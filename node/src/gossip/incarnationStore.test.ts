import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nextIncarnation, recordIncarnation } from './incarnationStore';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('incarnation store', () => {
  it('starts at 1 and grows by one on every start, surviving a reopen', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gv-inc-'));
    dirs.push(dir);
    const system = path.join(dir, '_system');
    expect(nextIncarnation(system)).toBe(1);
    expect(nextIncarnation(system)).toBe(2);
    expect(fs.readFileSync(path.join(system, 'incarnation'), 'utf8').trim()).toBe('2');
  });

  it('treats an unreadable value as no history rather than failing to start', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gv-inc-'));
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, 'incarnation'), 'garbage');
    expect(nextIncarnation(dir)).toBe(1);
  });

  it('keeps the incarnation a node left with, so that its next start is above it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gv-inc-'));
    dirs.push(dir);
    expect(nextIncarnation(dir)).toBe(1);
    recordIncarnation(dir, 7); // refuted up to 7 in memory, then left at 7
    expect(nextIncarnation(dir)).toBe(8);
    recordIncarnation(dir, 3); // never lowers it
    expect(nextIncarnation(dir)).toBe(9);
  });
});
