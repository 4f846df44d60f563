import { defineConfig } from 'vitest/config';

// One vitest run covers every package's unit and integration tests (e2e is Playwright's).
export default defineConfig({
  test: {
    projects: ['packages/schema', 'apps/agent'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
