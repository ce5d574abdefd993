/**
 * `npm run bench -- <suite> [--json] [suite flags]`: runs one benchmark suite and prints its result.
 * Each suite lives in `bench/<suite>/index.ts` and exports `run(args: string[]): Promise<BenchResult>`.
 * Suites compare against a reference implementation in the same run and report ratios.
 */
import { readdirSync, existsSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'

/** What every suite returns: machine-readable figures plus the reference's, side by side. */
export interface BenchResult {
  suite: string
  /** ISO timestamp of the run. */
  startedAt: string
  /** Free-form figures, units in key names (`cpuUsPerAnnounce`, `p95Ms`). */
  [key: string]: unknown
}

const here = dirname(fileURLToPath(import.meta.url))

function suites(): string[] {
  return readdirSync(here, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(here, d.name, 'index.ts')))
    .map((d) => d.name)
    .sort()
}

async function main(): Promise<void> {
  const [suite, ...rest] = process.argv.slice(2)
  const known = suites()
  if (suite === undefined || !known.includes(suite)) {
    console.error(`usage: npm run bench -- <suite> [--json] [flags]\nsuites: ${known.join(', ') || '(none yet)'}`)
    process.exit(2)
  }
  // Each suite installs what it measures against, as `npm test` does: nginx is the origin's reference.
  const deps = spawnSync('bash', [join(here, '..', 'scripts', 'ensure-deps.sh')], {
    stdio: ['ignore', 2, 2],
    env: { ...process.env, ...(suite === 'origin' ? { SWARMSTAGE_NEED_NGINX: '1' } : {}) },
  })
  if (deps.status !== 0) throw new Error(`scripts/ensure-deps.sh failed (exit ${String(deps.status)})`)
  const mod = (await import(join(here, suite, 'index.ts'))) as { run: (args: string[]) => Promise<BenchResult> }
  const result = await mod.run(rest)
  if (rest.includes('--json')) console.log(JSON.stringify(result, null, 2))
  else console.dir(result, { depth: 6 })
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
