// The test command's own guards: a pass that cannot run is named and counted, and CI cannot skip the real backends.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { summarize } from './test-summary.ts'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function reports(...runs: { numPassedTests: number; numFailedTests: number; numPendingTests: number }[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'summary-'))
  dirs.push(dir)
  runs.forEach((r, i) => writeFileSync(join(dir, `run-${String(i)}.json`), JSON.stringify(r)))
  return dir
}

describe('summarize', () => {
  it('adds every run', () => {
    const s = summarize(reports({ numPassedTests: 5, numFailedTests: 0, numPendingTests: 1 }, { numPassedTests: 2, numFailedTests: 0, numPendingTests: 0 }), [])
    expect(s.lines.at(-1)).toBe('tests: 7 passed, 0 failed, 1 skipped')
    expect(s.ok).toBe(true)
  })
  it('counts and names a pass that did not run', () => {
    const s = summarize(reports({ numPassedTests: 5, numFailedTests: 0, numPendingTests: 0 }), ['engagement against real PostgreSQL and Redis'])
    expect(s.lines).toEqual(['skipped pass: engagement against real PostgreSQL and Redis', 'tests: 5 passed, 0 failed, 1 skipped'])
  })
  it.each([
    [{ numPassedTests: 5, numFailedTests: 1, numPendingTests: 0 }],
    [{ numPassedTests: 0, numFailedTests: 0, numPendingTests: 0 }],
  ])('fails on failures or on nothing run: %j', (r) => {
    expect(summarize(reports(r), []).ok).toBe(false)
  })
})

describe('scripts/backends.sh', () => {
  const run = (env: Record<string, string>, pg: string, redis: string): { status: number | null; stderr: string } => {
    const r = spawnSync('bash', ['scripts/backends.sh', pg, redis], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' })
    return { status: r.status, stderr: r.stderr }
  }
  // Port 1 on loopback is closed: nothing listens there.
  it('refuses unreachable backends in CI', () => {
    const r = run({ CI: 'true' }, 'postgres://postgres@127.0.0.1:1/test', 'redis://127.0.0.1:1')
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('must run in CI')
  })
  it('reports "not run" outside CI', () => {
    expect(run({}, 'postgres://postgres@127.0.0.1:1/test', 'redis://127.0.0.1:1').status).toBe(3)
  })
  it('.ci/run sets CI=true before the test command', () => {
    const ci = readFileSync('.ci/run', 'utf8')
    expect(ci.indexOf('export CI=true')).toBeGreaterThan(-1)
    expect(ci.indexOf('export CI=true')).toBeLessThan(ci.indexOf('npm test'))
  })
})
