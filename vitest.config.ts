import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

export default defineConfig({
  plugins: [vue()],
  test: {
    // Two cores: multi-process suites start real node processes, so keep workers few.
    globalSetup: ['test/globalSetup.ts'],
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 90_000,
    include: [
      'common/**/*.test.ts',
      'node/src/**/*.test.ts',
      'gateway/src/**/*.test.ts',
      'web/src/**/*.test.ts',
      'test/**/*.test.ts',
      'scripts/**/*.test.ts',
    ],
  },
});
