import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../../../common/config/configError';
import { DurableJsonFile } from './durableJsonFile';
import { openJsonStore } from './openJsonStore';

const schema = z.strictObject({ counter: z.number().int(), items: z.array(z.string()) });
type Doc = z.infer<typeof schema>;
let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'geovault-json-'));
  file = path.join(dir, 'nested', 'doc.json');
});
const cleanups: Array<() => void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await rm(dir, { recursive: true, force: true });
});

describe('DurableJsonFile', () => {
  it('creates the directory, writes owner-only, and leaves no temp file', async () => {
    const adapter = new DurableJsonFile(file, schema);
    expect(await adapter.read()).toBeNull();
    await adapter.write({ counter: 1, items: ['a'] });
    expect(await adapter.read()).toEqual({ counter: 1, items: ['a'] });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(path.dirname(file))).toEqual(['doc.json']);
  });

  it('lands writes in call order: a small write never overtakes a big one before it', async () => {
    const adapter = new DurableJsonFile(file, schema);
    for (let round = 1; round <= 3; round += 1) {
      const big = adapter.write({ counter: round * 10, items: ['x'.repeat(8_000_000)] });
      const small = adapter.write({ counter: round * 10 + 1, items: [] });
      await Promise.all([big, small]);
      expect(await adapter.read()).toEqual({ counter: round * 10 + 1, items: [] });
    }
  });

  it('writes a snapshot of the data as it was at the call', async () => {
    const adapter = new DurableJsonFile(file, schema);
    const doc: Doc = { counter: 1, items: [] };
    const written = adapter.write(doc);
    doc.counter = 2;
    await written;
    expect((await adapter.read())?.counter).toBe(1);
  });

  it('stops with a ConfigError naming the file (and field) for bad content', async () => {
    await openJsonStore(file, schema, () => ({ counter: 0, items: [] })).then((db) => db.write());
    await writeFile(file, '{"counter": 1, ');
    await expect(new DurableJsonFile(file, schema).read()).rejects.toThrow(ConfigError);
    await expect(new DurableJsonFile(file, schema).read()).rejects.toThrow(file);
    await writeFile(file, JSON.stringify({ counter: 'one', items: [] }));
    await expect(new DurableJsonFile(file, schema).read()).rejects.toThrow(/counter/);
  });

  it('openJsonStore starts from the defaults and removes temp files a crash left behind', async () => {
    const db = await openJsonStore(file, schema, () => ({ counter: 7, items: [] }));
    expect(db.data.counter).toBe(7);
    await db.write();
    await writeFile(path.join(path.dirname(file), '.doc.json.deadbeef0000.tmp'), '{"counter": 8');
    const reopened = await openJsonStore(file, schema, () => ({ counter: 0, items: [] }));
    expect(reopened.data.counter).toBe(7);
    expect(await readdir(path.dirname(file))).toEqual(['doc.json']);
  });

  it('is whole at every moment of a stream of writes, and after a kill -9 in the middle of it', async () => {
    const moduleUrl = new URL('./durableJsonFile.ts', import.meta.url).href;
    const script = `
      import { DurableJsonFile } from ${JSON.stringify(moduleUrl)};
      import { z } from 'zod';
      const adapter = new DurableJsonFile(${JSON.stringify(file)}, z.any());
      const big = 'y'.repeat(1_000_000);
      for (let i = 1; ; i += 1) {
        await adapter.write({ counter: i, items: [big] });
        if (i === 3) process.stdout.write('ready\\n');
      }`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../../..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // A failed expectation must not leave the writer running into afterEach's rm.
    cleanups.push(() => child.kill('SIGKILL'));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`writer exited early (${code})`)));
    });
    // A reader racing the writer must only ever see whole documents (no truncate-then-write).
    const until = Date.now() + 400;
    let reads = 0;
    while (Date.now() < until) {
      const seen = JSON.parse(await readFile(file, 'utf8')) as Doc;
      expect(seen.items[0]).toHaveLength(1_000_000);
      reads += 1;
    }
    expect(reads).toBeGreaterThan(5);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const doc = JSON.parse(await readFile(file, 'utf8')) as Doc;
    expect(doc.counter).toBeGreaterThanOrEqual(3);
    expect(doc.items[0]).toHaveLength(1_000_000);
  });
});
