import { describe, expect, it } from 'vitest';
import { processEnv } from './buildServer.mjs';

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
