import { defineConfig } from 'vitest/config'

/** Browser end-to-end suites: real Chromium via playwright-core, run one file at a time. */
export default defineConfig({
  test: {
    name: 'e2e',
    environment: 'node',
    include: ['{client,origin,tracker}/**/*.e2e.test.ts'],
    testTimeout: 240_000,
    hookTimeout: 240_000,
    fileParallelism: false,
  },
})
