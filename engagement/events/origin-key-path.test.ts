/**
 * End to end over real sockets and a real ffmpeg publisher: the engagement service issues and
 * revokes stream keys, the real origin asks it at every RTMP connect, and endStream makes the
 * origin stop ingest and end the playlists.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { generate } from 'otplib'
import { loadEngagementConfig } from '../config.ts'
import { startEngagement, type EngagementServer } from '../server.ts'
import { dropSchema } from '../platform/db.ts'
import { createOriginAdmin } from './origin-admin.ts'
import { dropKvPrefix, fetchAgent } from '../test-support.ts'
import { createLogger } from '../../common/log.ts'
import type { FragmentSink, StreamTarget } from '../../origin/contract.ts'
import { loadOriginConfig } from '../../origin/config.ts'
import { startOrigin, type OriginHandle } from '../../origin/server.ts'
import { startSyntheticCamera, type SyntheticCamera } from '../../origin/demo/cameras.ts'

const INTERNAL = 'internal-e2e-token'
const ADMIN = 'origin-admin-e2e-token'
const LADDER = [{ name: 'xs', width: 128, height: 72, videoBitrateKbps: 100, audioBitrateKbps: 48, fps: 30 }]

const calls: { kind: keyof FragmentSink; target: StreamTarget; atMs: number }[] = []
const record = (kind: keyof FragmentSink) => (target: StreamTarget) => void calls.push({ kind, target, atMs: Date.now() })
const recorder: FragmentSink = { begin: record('begin'), init: record('init'), fragment: record('fragment'), discontinuity: record('discontinuity'), end: record('end') }

async function until<T>(what: string, fn: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const stop = Date.now() + timeoutMs
  for (;;) {
    const v = fn()
    if (v !== undefined) return v
    if (Date.now() > stop) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('engagement ⇄ origin: stream keys and ending a stream (real origin, real ffmpeg)', () => {
  const schema = process.env.DATABASE_URL !== undefined && process.env.DATABASE_URL !== '' ? `t_${randomBytes(6).toString('hex')}` : ''
  const kvPrefix = `test:${randomBytes(4).toString('hex')}:`
  const cameras: SyntheticCamera[] = []
  let engagement: EngagementServer
  let origin: OriginHandle
  let base = ''
  let config: ReturnType<typeof loadEngagementConfig>

  beforeAll(async () => {
    config = loadEngagementConfig(
      { DATABASE_URL: process.env.DATABASE_URL, REDIS_URL: process.env.REDIS_URL },
      { port: 0, gatewayEnabled: false, host: '127.0.0.1', dev: true, logLevel: 'silent', pgliteDataDir: '', databaseSchema: schema, kvPrefix, internalToken: INTERNAL },
    )
    // The origin's port is known only after it starts, so the admin client resolves it late.
    let originUrl = ''
    engagement = await startEngagement(config, { logger: createLogger('engagement-e2e', 'silent'), origin: { endStream: (event) => createOriginAdmin(originUrl, ADMIN).endStream(event) } })
    base = `http://127.0.0.1:${engagement.port}`
    const oc = loadOriginConfig({
      overrides: { host: '127.0.0.1', httpPort: 0, rtmpPort: 0, srtPort: 0, logLevel: 'silent', graceMs: 5000, ladder: LADDER, adminToken: ADMIN, engagementUrl: base, internalToken: INTERNAL },
    })
    origin = await startOrigin(oc, { sink: recorder, logger: createLogger('origin-e2e', 'silent') })
    originUrl = `http://127.0.0.1:${origin.httpPort}`
  })

  afterAll(async () => {
    await Promise.all(cameras.map((c) => c.stop()))
    await origin.close()
    await engagement.close()
    await dropSchema(config.databaseUrl, schema)
    await dropKvPrefix(config.redisUrl, kvPrefix)
  })

  const call = fetchAgent(() => base, () => config.cookieName)
  const publish = (key: string, durationSec: number): SyntheticCamera => {
    const cam = startSyntheticCamera({ url: `rtmp://127.0.0.1:${origin.rtmpPort}/live/${key}`, label: 'e2e', width: 128, height: 72, fps: 30, durationSec })
    cameras.push(cam)
    return cam
  }
  const began = (eventId: string, angle: string): boolean => calls.some((c) => c.kind === 'begin' && c.target.event === eventId && c.target.angle === angle)

  it('refuses keys before going live and after revocation; endStream stops ingest and ends the playlists', async () => {
    const email = `e2e-${randomBytes(3).toString('hex')}@example.test`
    expect((await call('POST', '/api/auth/register', { email, password: 'a long enough passphrase' })).status).toBe(202)
    expect((await call('POST', '/api/auth/login', { email, password: 'a long enough passphrase' })).status).toBe(200)
    const secret = (await call('POST', '/api/auth/totp/enroll')).body.secret as string
    expect((await call('POST', '/api/auth/totp/confirm', { totpCode: await generate({ secret }) })).status).toBe(200)
    const eventId = `e2e-${randomBytes(3).toString('hex')}`
    expect((await call('POST', '/api/events', { id: eventId, title: 'E2E' })).status).toBe(201)
    const main = (await call('POST', `/api/events/${eventId}/stream-keys`, { angle: 'main', label: 'Main' })).body.streamKey as string
    const side = await call('POST', `/api/events/${eventId}/stream-keys`, { angle: 'side' })
    const sideKey = side.body.streamKey as string

    // Not live yet: the origin refuses the connect, no transcoder starts.
    expect(await publish(main, 3).exited).not.toBe(0)
    expect(began(eventId, 'main')).toBe(false)

    expect((await call('POST', `/api/events/${eventId}/start`)).status).toBe(200)
    expect((await call('DELETE', `/api/events/${eventId}/stream-keys/${(side.body.key as { id: string }).id}`)).status).toBe(200)
    expect(await publish(sideKey, 3).exited).not.toBe(0)
    expect(began(eventId, 'side')).toBe(false)

    const cam = publish(main, 60)
    await until('main to begin', () => (began(eventId, 'main') ? true : undefined))
    await until('fragments', () => (calls.some((c) => c.kind === 'fragment' && c.target.event === eventId) ? true : undefined))

    const t0 = Date.now()
    const end = await call('POST', `/api/events/${eventId}/end`)
    expect(end.body).toMatchObject({ originStopped: true, event: { status: 'ended' } })
    const ended = await until('end of the angle', () => calls.find((c) => c.kind === 'end' && c.target.event === eventId && c.target.angle === 'main'))
    expect(ended.atMs - t0).toBeLessThan(2000)
    // The publisher was dropped, and reconnecting with the same key is refused.
    expect(await cam.exited).not.toBeNull()
    const begins = calls.filter((c) => c.kind === 'begin' && c.target.event === eventId).length
    expect(await publish(main, 3).exited).not.toBe(0)
    expect(calls.filter((c) => c.kind === 'begin' && c.target.event === eventId).length).toBe(begins)
  })
})
