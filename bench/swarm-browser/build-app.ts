import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'

/** Builds the viewer app with the repo's vite.config.ts into a fresh temp dir (leaves dist/ alone). */
export async function buildApp(): Promise<string> {
  const root = resolve(fileURLToPath(import.meta.url), '../../..')
  const outDir = await mkdtemp(join(tmpdir(), 'swarmstage-app-'))
  await build({ configFile: join(root, 'vite.config.ts'), logLevel: 'error', build: { outDir, emptyOutDir: true } })
  return outDir
}
