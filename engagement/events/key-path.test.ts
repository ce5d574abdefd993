import { describe, it, expect, afterAll } from 'vitest'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { randomBytes } from 'node:crypto'
import { generate } from 'otplib'
import { loadEngagementConfig } from '../config.ts'
import { startEngagement } from '../server.ts'
import { dropSchema } from '../platform/db.ts'
import { HttpKeyStore } from '../../origin/ingest/keys/http-key-store.ts'
import { dropKvPrefix, fetchAgent } from '../test-support.ts'

/** A stand-in origin admin endpoint on a real socket, recording what it is told. */
async function fakeOriginAdmin(token: string) {
  const calls: { auth: string | undefined; body: unknown; atMs: number }[] = []
  const server = createServer((req: IncomingMessage, res) => {
    let data = ''
    req.on('data', (c: Buffer) => (data += c.toString()))
    req.on('end', () => {
      calls.push({ auth: req.headers.authorization, body: JSON.parse(data) as unknown, atMs: Date.now() })
      res.statusCode = req.url === '/admin/streams/end' && req.headers.authorization === `Bearer ${token}` ? 200 : 401
      res.end('{}')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls, close: () => new Promise<void>((r) => server.close(() => r())) }
}

describe('stream-key path over real sockets: engagement ⇄ origin', async () => {
  const origin = await fakeOriginAdmin('origin-admin-secret')
  const schema = process.env.DATABASE_URL !== undefined && process.env.DATABASE_URL !== '' ? `t_${randomBytes(6).toString('hex')}` : ''
  const kvPrefix = `test:${randomBytes(4).toString('hex')}:`
  const config = loadEngagementConfig(
    { DATABASE_URL: process.env.DATABASE_URL, REDIS_URL: process.env.REDIS_URL },
    { port: 0, gatewayEnabled: false, host: '127.0.0.1', dev: true, logLevel: 'silent', pgliteDataDir: '', databaseSchema: schema, kvPrefix, internalToken: 'origin-calls-us', originAdminUrl: origin.url, originAdminToken: 'origin-admin-secret' },
  )
  const server = await startEngagement(config)
  const base = `http://127.0.0.1:${server.port}`
  afterAll(async () => {
    await server.close()
    await origin.close()
    await dropSchema(config.databaseUrl, schema)
    await dropKvPrefix(config.redisUrl, kvPrefix)
  })

  const call = fetchAgent(() => base, () => config.cookieName)

  it('a key works while live, is refused once revoked, and endStream reaches the origin within 2 s', async () => {
    const email = `creator-${randomBytes(3).toString('hex')}@example.test`
    expect((await call('POST', '/api/auth/register', { email, password: 'a long enough passphrase' })).status).toBe(202)
    expect((await call('POST', '/api/auth/login', { email, password: 'a long enough passphrase' })).status).toBe(200)
    const secret = (await call('POST', '/api/auth/totp/enroll')).body.secret as string
    expect((await call('POST', '/api/auth/totp/confirm', { totpCode: await generate({ secret }) })).status).toBe(200)
    const eventId = `ev-${randomBytes(3).toString('hex')}`
    expect((await call('POST', '/api/events', { id: eventId, title: 'Concert' })).status).toBe(201)
    const created = await call('POST', `/api/events/${eventId}/stream-keys`, { angle: 'stage', label: 'Stage' })
    expect(created.status).toBe(201)
    const streamKey = created.body.streamKey as string
    const keyId = (created.body.key as { id: string }).id

    const store = new HttpKeyStore({ engagementUrl: base, internalToken: 'origin-calls-us' })
    expect(await store.authorize(streamKey)).toEqual({ ok: false, reason: 'EVENT_NOT_LIVE' })
    expect((await call('POST', `/api/events/${eventId}/start`)).status).toBe(200)
    expect(await store.authorize(streamKey)).toEqual({ ok: true, target: { event: eventId, angle: 'stage' }, label: 'Stage' })
    expect((await call('DELETE', `/api/events/${eventId}/stream-keys/${keyId}`)).status).toBe(200)
    expect(await store.authorize(streamKey)).toEqual({ ok: false, reason: 'REVOKED_KEY' })
    // A wrong internal token refuses the key; an unreachable service cannot decide (both fail closed).
    expect(await new HttpKeyStore({ engagementUrl: base, internalToken: 'nope' }).authorize(streamKey)).toEqual({ ok: false, reason: 'UNKNOWN_KEY' })
    expect(await new HttpKeyStore({ engagementUrl: 'http://127.0.0.1:9', internalToken: 'x', timeoutMs: 500 }).authorize(streamKey)).toEqual({ ok: false, reason: 'KEY_STORE_UNAVAILABLE' })

    const t0 = Date.now()
    const end = await call('POST', `/api/events/${eventId}/end`)
    expect(end.body).toMatchObject({ originStopped: true, event: { status: 'ended' } })
    expect(origin.calls).toHaveLength(1)
    expect(origin.calls[0]).toMatchObject({ auth: 'Bearer origin-admin-secret', body: { event: eventId } })
    expect((origin.calls[0]?.atMs ?? Infinity) - t0).toBeLessThan(2000)
  })
})
