import { describe, it, expect, afterAll } from 'vitest'
import { connect } from 'node:net'
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { loadEngagementConfig } from './config.ts'
import { startEngagement } from './server.ts'
import { createLogger } from '../common/log.ts'
import { dropSchema } from './platform/db.ts'

/** Sends raw bytes and returns the whole answer (the server closes, or 3 s pass). */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    const done = (): void => {
      s.destroy()
      resolve(Buffer.concat(chunks).toString('latin1'))
    }
    const timer = setTimeout(done, 3000)
    s.on('data', (c: Buffer) => {
      chunks.push(c)
      // One response is enough: the answer is complete once its body length has arrived.
      const text = Buffer.concat(chunks).toString('latin1')
      const head = text.indexOf('\r\n\r\n')
      const len = /\r\ncontent-length: (\d+)/i.exec(text)
      if (head >= 0 && len !== null && text.length >= head + 4 + Number(len[1])) {
        clearTimeout(timer)
        done()
      }
    })
    s.on('error', () => {
      clearTimeout(timer)
      done()
    })
    s.on('close', () => {
      clearTimeout(timer)
      done()
    })
    s.write(request, 'latin1')
  })
}

const status = (answer: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)
const get = (target: string, host = 'localhost:8080', extra = ''): string => `GET ${target} HTTP/1.1\r\nHost: ${host}\r\n${extra}Connection: close\r\n\r\n`

describe('hostile request lines and headers against the listening engagement server', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ss-hostile-'))
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Swarmstage</title>')
  mkdirSync(join(dir, 'assets'))
  writeFileSync(join(dir, 'assets', 'app-1.js'), 'console.log(1)')
  const env = process.env
  const schema = env.DATABASE_URL !== undefined && env.DATABASE_URL !== '' ? `t_${randomBytes(6).toString('hex')}` : ''
  const config = loadEngagementConfig(
    { DATABASE_URL: env.DATABASE_URL, REDIS_URL: env.REDIS_URL },
    { port: 0, gatewayEnabled: false, host: '127.0.0.1', dev: true, pgliteDataDir: '', staticDir: dir, databaseSchema: schema, kvPrefix: `test:${randomBytes(6).toString('hex')}:` },
  )
  const server = await startEngagement(config, { logger: createLogger('engagement-test', 'silent') })
  afterAll(async () => {
    await server.close()
    await dropSchema(config.databaseUrl, schema)
  })
  const long = 'a'.repeat(16 * 1024)

  it.each([
    ['authority-looking path', get('//a:b:c')],
    ['authority-looking API path', get('//api/events:b:c')],
    ['broken absolute URL', get('http://[::1')],
    ['absolute URL with a bad port', get('http://localhost:99999/api/events')],
    ['asterisk form', get('*')],
    ['asterisk form OPTIONS', 'OPTIONS * HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'],
    ['16 KB app path', get(`/${long}`)],
    ['16 KB API path', get(`/api/events/${long}`)],
    ['16 KB query', get(`/api/events?status=${long}`)],
    ['bad escape in an app path', get('/e/%zz')],
    ['bad escape in an API param', get('/api/events/%zz')],
    ['bad escape in a static file', get('/assets/%zz.js')],
    ['bad escape in the query', get('/api/events?status=%zz')],
    ['NUL in an API param', get('/api/events/%00')],
    ['NUL in an app path', get('/e/%00')],
    ['NUL in a static file', get('/assets/app-1.js%00')],
    ['NUL in the query', get('/api/events?status=%00')],
    ['dot segments out of the static root', get('/assets/../../../etc/passwd')],
    ['encoded dot segments', get('/assets/%2e%2e/%2e%2e/etc/passwd')],
    ['backslashes', get('/assets\\..\\..\\etc\\passwd')],
    ['no path', 'GET HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'],
    ['garbage method', get('/').replace('GET', 'G\u0001T')],
    ['garbage version', 'GET / HTTP/9.9\r\nHost: localhost\r\nConnection: close\r\n\r\n'],
    ['bare LF request', 'GET /api/events HTTP/1.1\nHost: localhost\n\n'],
  ])('%s → 4xx, never 5xx', async (_name, request) => {
    const answer = await raw(server.port, request)
    const code = status(answer)
    // 0: the server closed the connection without an answer, which is also a refusal, not a crash.
    if (code !== 0) {
      expect(code, answer.slice(0, 200)).toBeGreaterThanOrEqual(400)
      expect(code, answer.slice(0, 200)).toBeLessThan(500)
    }
    expect(answer).not.toContain('root:')
    expect(status(await raw(server.port, get('/health')))).toBe(200)
  })

  it.each([
    ['semicolons and a directive', 'evil.example; script-src *'],
    ['quotes', "x.example' 'unsafe-inline"],
    ['unclosed IPv6 literal', '[::1'],
    ['spaces', 'a b c'],
    ['commas', 'a.example,b.example'],
    ['userinfo', 'user:pw@x.example'],
    ['path', 'x.example/../y'],
    ['empty', ''],
    ['16 KB', 'h'.repeat(12 * 1024)],
    ['control character', 'x\u007fy'],
  ])('hostile Host (%s): client-config refuses it and no response carries it', async (_name, host) => {
    for (const target of ['/api/client-config', '/e/demo', '/assets/app-1.js', '/api/events', '/api/nope']) {
      const answer = await raw(server.port, get(target, host))
      const code = status(answer)
      expect(code === 0 || code < 500, `${target}: ${answer.slice(0, 200)}`).toBe(true)
      if (target === '/api/client-config' && code !== 0) expect(code).toBeGreaterThanOrEqual(400)
      const headers = answer.slice(0, Math.max(0, answer.indexOf('\r\n\r\n')))
      if (host.length > 0) expect(headers).not.toContain(host)
      expect(headers).not.toContain('evil')
      expect(headers).not.toContain('unsafe')
    }
    expect(status(await raw(server.port, get('/health')))).toBe(200)
  })

  it('two Host headers are refused', async () => {
    const code = status(await raw(server.port, get('/api/client-config', 'a.example', 'Host: b.example\r\n')))
    expect(code === 0 || (code >= 400 && code < 500)).toBe(true)
  })
})
