import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensurePrivateDir } from './privateDir';
import { mkdirDurable } from './durableFs';

describe('private data directories', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'geovault-private-'));
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('creates missing directories 0700 and narrows an existing open one', async () => {
    const fresh = path.join(root, 'a', 'b');
    ensurePrivateDir(fresh);
    expect(fs.statSync(fresh).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(root, 'a')).mode & 0o777).toBe(0o700);

    const open = path.join(root, 'open');
    fs.mkdirSync(open, { mode: 0o755 });
    fs.chmodSync(open, 0o755);
    ensurePrivateDir(open);
    expect(fs.statSync(open).mode & 0o777).toBe(0o700);

    const durable = path.join(root, 'c', 'd');
    await mkdirDurable(durable);
    expect(fs.statSync(durable).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(root, 'c')).mode & 0o777).toBe(0o700);
  });
});
