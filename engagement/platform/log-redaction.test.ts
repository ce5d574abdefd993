import { describe, it, expect, afterAll } from 'vitest'
import { Writable } from 'node:stream'
import { randomBytes } from 'node:crypto'
import { loadEngagementConfig } from '../config.ts'
import { buildApp } from '../server.ts'
import { createEngagementLogger } from './log-redaction.ts'

/** A pino destination that keeps every line. */
function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = []
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'))
      done()
    },
  })
  return { stream, text: () => chunks.join('') }
}

const SECRETS = {
  cookie: 'ss_session=COOKIEVALUE1234567890abcdefgh',
  authorization: 'Bearer BEARERSECRET987654321',
  csrf: 'CSRFTOKENVALUE55555',
  password: 'PASSWORDVALUE correct horse',
  totpCode: '493817',
  recoveryCode: 'rcvry-codex-value',
  secret: 'TOTPSEEDJBSWY3DPEHPK3PXP',
  iban: 'DE89370400440532013000',
}

describe('secrets never reach the log', () => {
  it('the logger censors credential headers and secret fields at any of the usual depths', () => {
    const c = capture()
    const log = createEngagementLogger('trace', c.stream)
    log.info({ req: { headers: { cookie: SECRETS.cookie, authorization: SECRETS.authorization, 'x-csrf-token': SECRETS.csrf } } }, 'request')
    log.info({ res: { headers: { 'set-cookie': SECRETS.cookie } } }, 'response')
    log.info({ body: { email: 'a@b.co', password: SECRETS.password, totpCode: SECRETS.totpCode, recoveryCode: SECRETS.recoveryCode } }, 'body')
    log.warn({ input: { monetization: { payoutIban: SECRETS.iban } }, user: { totpSecret: SECRETS.secret }, secret: SECRETS.secret }, 'nested')
    const out = c.text()
    for (const [name, value] of Object.entries(SECRETS)) expect(out, name).not.toContain(value)
    expect(out).toContain('a@b.co')
    expect(out).toContain('[redacted]')
  })

  describe('the running app at trace level', async () => {
    const c = capture()
    const config = loadEngagementConfig(
      { DATABASE_URL: process.env.DATABASE_URL, REDIS_URL: process.env.REDIS_URL },
      { dev: true, pgliteDataDir: '', logLevel: 'trace', staticDir: '/nonexistent', kvPrefix: `test:${randomBytes(6).toString('hex')}:`, ...(process.env.DATABASE_URL ? { databaseSchema: `t_${randomBytes(6).toString('hex')}` } : {}) },
    )
    const { app } = await buildApp(config, { logger: createEngagementLogger('trace', c.stream) })
    afterAll(async () => {
      await app.close()
      const { dropSchema } = await import('./db.ts')
      await dropSchema(config.databaseUrl, config.databaseSchema)
    })

    it('logs requests, but no cookie, bearer, CSRF token, password, code or IBAN', async () => {
      const headers = { cookie: SECRETS.cookie, authorization: SECRETS.authorization, 'x-csrf-token': SECRETS.csrf }
      await app.inject({ method: 'POST', url: '/api/auth/register', headers, payload: { email: 'log@example.test', password: SECRETS.password } })
      await app.inject({ method: 'POST', url: '/api/auth/login', headers, payload: { email: 'log@example.test', password: SECRETS.password, totpCode: SECRETS.totpCode } })
      await app.inject({ method: 'POST', url: '/api/auth/login', headers, payload: { email: 'log@example.test', password: SECRETS.password, recoveryCode: SECRETS.recoveryCode } })
      await app.inject({ method: 'PUT', url: '/api/events/ev-x/monetization', headers, payload: { priceCents: 1, currency: 'EUR', payoutIban: SECRETS.iban, payoutHolder: 'x' } })
      await app.inject({ method: 'POST', url: '/api/internal/stream-keys/authorize', headers, payload: { streamKey: SECRETS.secret } })
      await app.inject({ method: 'POST', url: '/api/auth/login', headers: { ...headers, 'content-type': 'application/json' }, payload: `{"password":"${SECRETS.password}",` })
      const out = c.text()
      expect(out).toContain('incoming request')
      for (const [name, value] of Object.entries(SECRETS)) expect(out, name).not.toContain(value)
    })
  })
})
