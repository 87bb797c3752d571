import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Limits that catch a hang, not a slow machine: starting worker threads that load TypeScript
    // handlers takes 10-20 s when the two cores are shared by many processes.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
