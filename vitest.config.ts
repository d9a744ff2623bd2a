import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Test files are isolated (own database, own Redis key prefix, own ports),
    // so they run in parallel; most wait on I/O, so more workers than cores pays.
    pool: 'forks',
    maxWorkers: 4,
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // A test that writes to the console should say why; keep the output readable.
    silent: 'passed-only',
  },
});
