// Builds the measured server programs into plain JavaScript (esbuild), so no tsx loader thread shares their memory and CPU.
//
// Under `node --import tsx` every process also runs tsx's module-hooks thread with a V8 isolate of
// its own; its heap shrinks on its own schedule (tens of MiB, seconds to a minute after start),
// which made "RSS per idle subscriber" come out negative. The bundle is the same sources: npm
// packages stay external (resolved from the repository's node_modules), and `import.meta.url` in
// each module is pinned to its source file, so files read beside a module (migrations, the
// password list) resolve as they do under tsx.
import { readFile } from 'node:fs/promises'
import { mkdirSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { dirname, join, basename } from 'node:path'
import { build, type Plugin } from 'esbuild'

const here = dirname(fileURLToPath(import.meta.url))
const outDir = join(here, '..', '..', '.bench', 'engagement')

const pinImportMetaUrl: Plugin = {
  name: 'pin-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8')
      return { contents: source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: 'ts' }
    })
  },
}

/** Bundles `bench/engagement/<file>` to `.bench/engagement/<name>.mjs`; returns the output path. */
export async function bundleServer(file: string): Promise<string> {
  mkdirSync(outDir, { recursive: true })
  const outfile = join(outDir, basename(file).replace(/\.ts$/, '.mjs'))
  await build({
    entryPoints: [join(here, file)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
    plugins: [pinImportMetaUrl],
  })
  return outfile
}
