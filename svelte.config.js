import { vitePreprocess } from '@sveltejs/vite-plugin-svelte'

/** Svelte compiler options shared by Vite, vitest and svelte-check. */
export default {
  preprocess: vitePreprocess(),
  compilerOptions: { runes: true },
}
