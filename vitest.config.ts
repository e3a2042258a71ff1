import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: more parallel files only make the concurrency tests slower and noisier.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**'],
          globalSetup: ['test/helpers/global-setup.ts'],
        },
      },
      {
        // The real agent CLIs against a scripted model (test/e2e). After the unit project (groupOrder),
        // one file at a time: its scenarios load both cores on purpose, which must neither disturb
        // other tests nor add up with each other.
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          sequence: { groupOrder: 1 },
          fileParallelism: false,
          hookTimeout: 10 * 60_000,
        },
      },
    ],
  },
});
