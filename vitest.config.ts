import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Crash and CLI tests spawn real processes; give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // In CI, also a machine-readable summary, from which .ci/run prints a plain "N passed, N failed" line.
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'node_modules/.cache/vitest-results.json' }]] : ['default'],
  },
});
