// createPlaybackSession over app.inject: placement, token claims, event and input checks, rate limit, locality.
import { afterAll, describe, expect, it } from 'vitest'
import { jwtVerify } from 'jose'
import { Agent, makeApp, organizer, signedIn, type TestApp } from '../test-support.ts'
import { localityFor, trackerInstancesFor } from './playback-session.ts'
import { loadEngagementConfig } from '../config.ts'

const SECRET = 'playback-test-secret-0123456789abcdef'
const INSTANCES = [{ id: 'a', url: 'wss://ta.example' }, { id: 'b', url: 'wss://tb.example:8443/' }, { id: 'c', url: 'wss://tc.example', weight: 2 }]

interface SessionBody {
  playbackSessionId: string
  originBaseUrl: string
  trackerUrl: string
  swarmId: string
  cell: string
  trackerToken: string
  expiresAt: string
  iceServers: unknown[]
}

const post = (t: TestApp, eventId: string, opts: { ip?: string; headers?: Record<string, string> } = {}) =>
  t.app.inject({ method: 'POST', url: `/api/events/${eventId}/playback-sessions`, remoteAddress: opts.ip ?? '10.0.0.1', headers: opts.headers ?? {} })

describe('createPlaybackSession', async () => {
  const t = await makeApp({
    trackerInstances: INSTANCES,
    trackerJwtSecret: SECRET,
    trackerTokenTtlSec: 600,
    publicOriginUrl: 'https://origin.example/',
    iceServers: [{ urls: 'stun:stun.example:3478' }],
    playbackSessionsPerAddressPerMin: 5,
    trustedProxies: ['192.0.2.10'],
    localityHeader: 'x-edge-locality',
  })
  afterAll(() => t.close())
  const { a: org, eventId } = await organizer(t)

  it('places an anonymous viewer of a public event and signs its token', async () => {
    const r = await post(t, eventId)
    expect(r.statusCode).toBe(201)
    expect(r.headers['cache-control']).toBe('no-store')
    const s = r.json<SessionBody>()
    expect(s.originBaseUrl).toBe('https://origin.example')
    expect(s.iceServers).toEqual([{ urls: 'stun:stun.example:3478' }])
    expect(s.cell).toBe(`${eventId}/v4:a000000/16/0`)
    expect(s.swarmId).toBe(`swarmstage:${s.cell}`)
    const url = new URL(s.trackerUrl)
    expect(INSTANCES.map((i) => new URL(i.url).host)).toContain(url.host)
    expect(url.pathname).toBe(`/e/${eventId}`)
    expect(url.searchParams.get('token')).toBe(s.trackerToken)
    const { payload, protectedHeader } = await jwtVerify(s.trackerToken, new TextEncoder().encode(SECRET), { currentDate: new Date(t.clock.now()) })
    expect(protectedHeader.alg).toBe('HS256')
    expect(payload.event).toBe(eventId)
    expect(payload.sub).toBe(`a:${s.playbackSessionId}`)
    expect(payload.iat).toBe(Math.floor(t.clock.now() / 1000))
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(600)
    expect(new Date(s.expiresAt).getTime()).toBe((payload.exp ?? 0) * 1000)
  })

  it('the CSP lets the page connect to every tracker instance it may be placed on', async () => {
    const csp = String((await post(t, eventId, { ip: '10.0.0.5' })).headers['content-security-policy'])
    const connect = /connect-src ([^;]+)/.exec(csp)?.[1]?.split(' ') ?? []
    for (const i of INSTANCES) expect(connect).toContain(i.url.replace(/\/$/, ''))
  })

  it('gives every viewer of one cell the same tracker, and each a fresh session id', async () => {
    const sessions = await Promise.all(['10.0.0.2', '10.0.9.9', '10.0.200.1'].map(async (ip) => (await post(t, eventId, { ip })).json<SessionBody>()))
    expect(new Set(sessions.map((s) => s.cell)).size).toBe(1)
    expect(new Set(sessions.map((s) => s.trackerUrl.split('?')[0])).size).toBe(1)
    expect(new Set(sessions.map((s) => s.playbackSessionId)).size).toBe(3)
  })

  it('uses the account as the viewer key when signed in, without a CSRF token', async () => {
    const viewer = await signedIn(t, undefined, '10.1.0.1')
    const r = await viewer.req('POST', `/api/events/${eventId}/playback-sessions`, undefined, { csrf: false })
    expect(r.status).toBe(201)
    const me = await viewer.req('GET', '/api/auth/me')
    const { payload } = await jwtVerify(r.body.trackerToken as string, new TextEncoder().encode(SECRET), { currentDate: new Date(t.clock.now()) })
    expect(payload.sub).toBe(`u:${(me.body.user as { id: string }).id}`)
  })

  it.each([
    ['an unknown event', 'no-such-event', 404, 'EVENT_NOT_FOUND'],
    ['upper case', 'Demo', 400, 'VALIDATION'],
    ['one character', 'a', 400, 'VALIDATION'],
    ['a dot', 'a.b', 400, 'VALIDATION'],
    ['a leading hyphen', '-ab', 400, 'VALIDATION'],
    ['an underscore', 'a_b', 400, 'VALIDATION'],
    ['65 characters', 'a'.repeat(65), 400, 'VALIDATION'],
  ])('refuses %s with a typed error', async (_name, id, status, code) => {
    const r = await post(t, encodeURIComponent(id), { ip: '10.2.0.1' })
    expect(r.statusCode).toBe(status)
    expect(r.json<{ error: string }>().error).toBe(code)
  })

  it('a paid event needs an account', async () => {
    const paid = `paid-${eventId}`
    expect((await org.req('POST', '/api/events', { id: paid, title: 'Paid', free: false })).status).toBe(201)
    const anon = await post(t, paid, { ip: '10.3.0.1' })
    expect(anon.statusCode).toBe(401)
    expect(anon.json<{ error: string }>().error).toBe('UNAUTHENTICATED')
    const viewer = await signedIn(t, undefined, '10.3.0.2')
    expect((await viewer.req('POST', `/api/events/${paid}/playback-sessions`)).status).toBe(201)
  })

  it('limits sessions per address group, IPv6 by /64', async () => {
    for (let i = 0; i < 5; i++) expect((await post(t, eventId, { ip: `2001:db8:5:6::${i + 1}` })).statusCode).toBe(201)
    const over = await post(t, eventId, { ip: '2001:db8:5:6:ffff::1' })
    expect(over.statusCode).toBe(429)
    expect(over.json<{ error: string }>().error).toBe('TOO_MANY_REQUESTS')
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0)
    expect((await post(t, eventId, { ip: '2001:db8:5:7::1' })).statusCode).toBe(201)
    t.clock.advance(61_000)
    expect((await post(t, eventId, { ip: '2001:db8:5:6::1' })).statusCode).toBe(201)
  })

  it('believes the edge locality header only from a trusted proxy', async () => {
    const header = { 'x-edge-locality': 'DE-3320' }
    const direct = (await post(t, eventId, { ip: '10.4.0.1', headers: header })).json<SessionBody>()
    expect(direct.cell).toBe(`${eventId}/v4:a040000/16/0`)
    const viaProxy = (await post(t, eventId, { ip: '192.0.2.10', headers: { ...header, 'x-forwarded-for': '10.4.0.2' } })).json<SessionBody>()
    expect(viaProxy.cell).toBe(`${eventId}/h:DE-3320/0`)
    const hostile = (await post(t, eventId, { ip: '192.0.2.10', headers: { 'x-edge-locality': 'a/b c', 'x-forwarded-for': '10.4.0.3' } })).json<SessionBody>()
    expect(hostile.cell).toBe(`${eventId}/v4:a040000/16/0`)
  })
})

describe('createPlaybackSession without configured trackers or secret', async () => {
  const t = await makeApp({})
  afterAll(() => t.close())
  const { eventId } = await organizer(t)

  it('places on the request host and issues no token', async () => {
    const r = await t.app.inject({ method: 'POST', url: `/api/events/${eventId}/playback-sessions`, headers: { host: '192.0.2.7:8080' } })
    expect(r.statusCode).toBe(201)
    const s = r.json<SessionBody>()
    expect(s.trackerUrl).toBe(`ws://192.0.2.7:8000/e/${eventId}`)
    expect(s.trackerToken).toBe('')
    expect(s.originBaseUrl).toBe('http://192.0.2.7:8081')
  })

  it('an agent without a session is anonymous', async () => {
    const r = await new Agent(t, '10.9.0.1').req('POST', `/api/events/${eventId}/playback-sessions`)
    expect(r.status).toBe(201)
  })
})

describe('placement inputs', () => {
  const cfg = { trackerInstances: [], publicTrackerUrls: [], publicOriginUrl: '', cellsPerLocality: 1, trackerJwtSecret: '', trackerTokenTtlSec: 7200, localityPrefixV4: 16, localityPrefixV6: 32 }
  it.each([
    ['configured instances win', { ...cfg, trackerInstances: [{ id: 'x', url: 'wss://x' }], publicTrackerUrls: ['wss://p'] }, [{ id: 'x', url: 'wss://x' }]],
    ['public tracker URLs become instances', { ...cfg, publicTrackerUrls: ['wss://p1', 'wss://p2'] }, [{ id: 'wss://p1', url: 'wss://p1' }, { id: 'wss://p2', url: 'wss://p2' }]],
    ['else the request host', cfg, [{ id: 'default', url: 'wss://h.example:8000' }]],
  ])('%s', (_n, config, want) => {
    expect(trackerInstancesFor(config, { host: 'h.example', secure: true })).toEqual(want)
  })

  it.each([
    ['10.20.30.40', undefined, 'v4:a140000/16'],
    ['::ffff:10.20.30.40', undefined, 'v4:a140000/16'],
    ['2001:db8:1:2::9', undefined, 'v6:8193:3512/32'],
    ['10.20.30.40', 'FR-5410', 'h:FR-5410'],
    ['10.20.30.40', ' FR ', 'h:FR'],
    ['10.20.30.40', '', 'v4:a140000/16'],
    ['10.20.30.40', 'x'.repeat(65), 'v4:a140000/16'],
    ['10.20.30.40', 'ü', 'v4:a140000/16'],
  ])('locality of %s with edge %s is %s', (ip, edge, want) => {
    expect(localityFor(ip, edge, cfg)).toBe(want)
  })
})

describe('placement config keys', () => {
  it('reads tracker instances and the secret from the environment', () => {
    const c = loadEngagementConfig({ ENGAGEMENT_TRACKER_INSTANCES: '[{"id":"t1","url":"wss://t1.example","weight":2}]', ENGAGEMENT_TRACKER_JWT_SECRET: 's'.repeat(32), ENGAGEMENT_CELLS_PER_LOCALITY: '4' })
    expect(c.trackerInstances).toEqual([{ id: 't1', url: 'wss://t1.example', weight: 2 }])
    expect(c.cellsPerLocality).toBe(4)
    expect(c.trackerTokenTtlSec).toBe(7200)
  })

  it.each([
    ['a short secret', { trackerJwtSecret: 'short' }, 'trackerJwtSecret'],
    ['an http tracker URL', { trackerInstances: [{ id: 'a', url: 'http://t.example' }] }, 'trackerInstances'],
    ['a tracker URL with a path', { trackerInstances: [{ id: 'a', url: 'wss://t.example/e/x' }] }, 'trackerInstances'],
    ['a zero weight', { trackerInstances: [{ id: 'a', url: 'wss://t.example', weight: 0 }] }, 'trackerInstances'],
    ['an unknown instance key', { trackerInstances: [{ id: 'a', url: 'wss://t.example', region: 'eu' }] }, 'region'],
    ['zero cells', { cellsPerLocality: 0 }, 'cellsPerLocality'],
    ['a token over a day', { trackerTokenTtlSec: 86_401 }, 'trackerTokenTtlSec'],
    ['a header name with a colon', { localityHeader: 'x-a: b' }, 'localityHeader'],
  ])('refuses %s, naming the key', (_n, overrides, key) => {
    expect(() => loadEngagementConfig({}, overrides)).toThrow(key)
  })
})
