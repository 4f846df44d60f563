import { defineConfig } from 'vitest/config';

// One vitest run covers every package's unit and integration tests and the strongSwan interop
// tests (e2e/interop); the browser tests in e2e/tests are Playwright's.
export default defineConfig({
  test: {
    projects: ['packages/schema', 'packages/ike', 'packages/dataplane', 'apps/agent', 'apps/web', 'e2e'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
