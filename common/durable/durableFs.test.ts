import { mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, it, expect } from 'vitest';
import { fileHandleSink, fsyncDir, mkdirDurable } from './durableFs';

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

  it('fileHandleSink writes every byte and leaves the handle open for fsync', async () => {
    const file = path.join(root, 'f');
    const handle = await open(file, 'wx');
    const parts = [Buffer.alloc(100_000, 1), Buffer.from('tail')];
    await pipeline(Readable.from(parts), fileHandleSink(handle));
    await handle.sync();
    await handle.close();
    expect(await readFile(file)).toEqual(Buffer.concat(parts));
  });
});
