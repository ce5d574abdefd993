// The one summary line of `npm test` over every vitest JSON report, with passes that could not run counted as skipped.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** Totals over all runs; `notRun` names passes that never started. */
export interface Summary {
  passed: number
  failed: number
  skipped: number
  lines: string[]
  ok: boolean
}

/** Sums vitest JSON reports in `dir`; each name in `notRun` is one skipped entry, named in a line of its own. */
export function summarize(dir: string, notRun: readonly string[]): Summary {
  let passed = 0
  let failed = 0
  let skipped = 0
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const r = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests?: number }
    passed += r.numPassedTests
    failed += r.numFailedTests
    skipped += r.numPendingTests + (r.numTodoTests ?? 0)
  }
  // A pass that did not run is a skipped entry, so "0 skipped" always means that everything ran.
  skipped += notRun.length
  const lines = [...notRun.map((n) => `skipped pass: ${n}`), `tests: ${String(passed)} passed, ${String(failed)} failed, ${String(skipped)} skipped`]
  return { passed, failed, skipped, lines, ok: passed > 0 && failed === 0 }
}

if (process.argv[1]?.endsWith('test-summary.ts') === true) {
  const [dir = '.', ...notRun] = process.argv.slice(2)
  const s = summarize(dir, notRun)
  for (const l of s.lines) console.log(l)
  process.exit(s.ok ? 0 : 1)
}
