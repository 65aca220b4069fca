import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Two cores: multi-process suites start real node processes, so keep workers few.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    include: ['node/src/**/*.test.ts', 'gateway/src/**/*.test.ts', 'test/**/*.test.ts', 'scripts/**/*.test.ts'],
  },
});
