import { defineConfig } from 'vitest/config'
import { svelte } from '@sveltejs/vite-plugin-svelte'

/**
 * Two projects: `node` for services (real ffmpeg, sockets, databases) and `client` for Svelte
 * component tests in happy-dom. Browser end-to-end suites (`*.e2e.test.ts`) run from scripts/test.sh
 * inside a loopback-only network namespace and are excluded here.
 */
export default defineConfig({
  test: {
    maxWorkers: 2,
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          include: ['{common,origin,tracker,engagement,bench,scripts}/**/*.test.ts'],
          exclude: ['**/*.e2e.test.ts', 'node_modules/**'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          pool: 'forks',
        },
      },
      {
        plugins: [svelte()],
        resolve: { conditions: ['browser'] },
        test: {
          name: 'client',
          environment: 'happy-dom',
          include: ['client/**/*.test.ts'],
          exclude: ['**/*.e2e.test.ts', 'node_modules/**'],
          testTimeout: 30_000,
        },
      },
    ],
  },
})
