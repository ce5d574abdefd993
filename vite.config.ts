import { defineConfig } from 'vite'
import { svelte } from '@sveltejs/vite-plugin-svelte'

/**
 * Builds the viewer app (client/) into dist/client, which the engagement service serves with an SPA
 * fallback. `p2pml:core-as-bundle` makes p2p-media-loader-hlsjs share one bundled copy of the core.
 */
export default defineConfig({
  root: 'client',
  base: '/',
  plugins: [svelte()],
  resolve: { conditions: ['p2pml:core-as-bundle', 'browser', 'module', 'import', 'default'] },
  build: {
    outDir: '../dist/client',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1200,
  },
})
