import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildServer, processEnv } from './buildServer.mjs';

const root = path.resolve(import.meta.dirname, '..');

describe('processEnv', () => {
  it('passes the environment on with the malloc tunables added', () => {
    const env = processEnv({ GEOVAULT_PROFILE: 'lan' });
    expect(env.GEOVAULT_PROFILE).toBe('lan');
    expect(env.GLIBC_TUNABLES).toMatch(/glibc\.malloc\.trim_threshold=\d+/);
  });

  it('lets tunables the user set win: glibc takes the last value given for a name', () => {
    const env = processEnv({ GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=131072' });
    const values = env.GLIBC_TUNABLES!.split(':').filter((t) => t.startsWith('glibc.malloc.trim_threshold='));
    expect(values.at(-1)).toBe('glibc.malloc.trim_threshold=131072');
  });
});

describe('buildServer', () => {
  const bundle = path.join(root, 'dist/node.mjs');
  const source = path.join(root, 'node/src/main.ts');

  it('builds only when a source changed since the last build', async () => {
    await buildServer();
    const built = fs.statSync(bundle).mtimeMs;
    await buildServer();
    expect(fs.statSync(bundle).mtimeMs).toBe(built);
    const now = new Date();
    fs.utimesSync(source, now, now);
    await buildServer();
    expect(fs.statSync(bundle).mtimeMs).toBeGreaterThan(built);
  }, 60_000);

  it('never lets a reader see a bundle half written, however many builds run at once', async () => {
    let reads = 0;
    let partial = 0;
    let building = true;
    const reader = (async () => {
      while (building) {
        const text = fs.readFileSync(bundle, 'utf8');
        reads++;
        // A whole bundle ends with its inline source map.
        if (!text.trimEnd().split('\n').at(-1)!.startsWith('//# sourceMappingURL=')) partial++;
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await Promise.all(Array.from({ length: 4 }, () => buildServer({ force: true })));
    building = false;
    await reader;
    expect(reads).toBeGreaterThan(10);
    expect(partial).toBe(0);
  }, 60_000);
});
