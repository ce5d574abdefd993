// installProcessHandlers in a real child process: a rejection is logged and survived, a throw is logged fatal and exits 1.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'run-service-'))
const SECRET = 'sk_live_5f0c2d9e8a7b6c5d4e3f2a1b'

/** Runs a tiny script that installs the handlers first; returns its exit code and output. */
function run(body: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const file = join(dir, `script-${Math.random().toString(36).slice(2)}.ts`)
  writeFileSync(
    file,
    `import { installProcessHandlers } from ${JSON.stringify(join(root, 'common/run-service.ts'))}\n` +
      `import { createLogger } from ${JSON.stringify(join(root, 'common/log.ts'))}\n` +
      `installProcessHandlers(createLogger('probe', 'info'))\n${body}\n`,
  )
  return new Promise((resolve, reject) => {
    const child = spawn(join(root, 'node_modules/.bin/tsx'), [file], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

function logLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
}

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('installProcessHandlers', () => {
  it('logs an unhandled rejection (message and stack) and keeps the process serving', async () => {
    const r = await run(
      `void Promise.reject(new Error('boom-rejection'))\n` +
        `void Promise.reject({ jwtSecret: ${JSON.stringify(SECRET)} })\n` +
        `setTimeout(() => { console.log('still-alive'); process.exit(0) }, 500)`,
    )
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('still-alive')
    const logged = logLines(r.stdout).filter((l) => l.msg === 'unhandled promise rejection')
    expect(logged).toHaveLength(2)
    expect(logged[0]).toMatchObject({ level: 50, err: { name: 'Error', message: 'boom-rejection' } })
    expect(String((logged[0]?.err as { stack?: string }).stack)).toContain('boom-rejection')
    // A rejection value that is not an Error is described by its type only.
    expect(logged[1]).toMatchObject({ err: { message: 'a non-Error value of type object' } })
    expect(r.stdout + r.stderr).not.toContain(SECRET)
  }, 30_000)

  it('logs an uncaught exception as fatal and exits 1', async () => {
    const r = await run(`setTimeout(() => { throw new Error('boom-throw') }, 50)\nsetTimeout(() => console.log('survived'), 2000)`)
    expect(r.code).toBe(1)
    expect(r.stdout).not.toContain('survived')
    expect(logLines(r.stdout).find((l) => l.msg === 'uncaught exception; exiting')).toMatchObject({ level: 60, err: { message: 'boom-throw' } })
  }, 30_000)
})
