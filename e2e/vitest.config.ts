import { defineConfig } from 'vitest/config';

// Interop tests (real strongSwan in namespaces) run under vitest; browser tests under Playwright.
export default defineConfig({
  test: { include: ['interop/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000, fileParallelism: false },
});
