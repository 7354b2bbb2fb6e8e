import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two files at once even on two cores (vitest's default there is one): most of a test's time is
    // spent waiting on member processes, elections and timers rather than computing, and the suite
    // must stay within CI's time limit.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
