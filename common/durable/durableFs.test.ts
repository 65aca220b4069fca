import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it, expect } from 'vitest';
import { fsyncDir, mkdirDurable } from './durableFs';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'geovault-durablefs-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('durableFs', () => {
  it('mkdirDurable creates nested directories and is idempotent', async () => {
    const dir = path.join(root, 'a', 'b', 'c');
    await mkdirDurable(dir);
    expect((await stat(dir)).isDirectory()).toBe(true);
    await mkdirDurable(dir);
    expect((await stat(dir)).isDirectory()).toBe(true);
  });

  it('fsyncDir fails on a missing directory instead of pretending', async () => {
    await fsyncDir(root);
    await expect(fsyncDir(path.join(root, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
