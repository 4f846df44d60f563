import { defineConfig } from 'vitest/config';

// The web app's own logic (formatting, drafts, step routing, cache folding, rates) in Node; files
// that render hooks ask for jsdom themselves (`@vitest-environment jsdom`).
export default defineConfig({ test: { include: ['test/**/*.test.{ts,tsx}'] } });
