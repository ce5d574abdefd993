import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import type { Question } from '../../common/wire/interaction.ts'
import type { ServerMessage } from '../../common/wire/realtime.ts'
import { enrollTotp, organizer, signedIn, type Agent } from '../test-support.ts'
import { grantEventRole, revokeEventRole } from '../accounts/users.ts'
import { TestSocket, UpgradeRefused } from './test-client.ts'
import { chatItem, gatewayFixture, type GatewayFixture } from './test-gateway.ts'
import type { GatewayFeature } from './gateway.ts'
import { insertTestEvent } from './test-support.ts'

const backend = process.env.DATABASE_URL !== undefined && process.env.DATABASE_URL !== '' ? 'postgres+redis' : 'embedded'

// The seam under test: a feature that acknowledges every vote and takes every reaction.
const acking: GatewayFeature = (hooks) => {
  hooks.onVote(async (_conn, msg) => ({ type: 'ack', ref: msg.ref }))
  hooks.onReact(async () => null)
}

const APP_ORIGIN = 'http://127.0.0.1:8080'

async function refusal(p: Promise<TestSocket>): Promise<{ status: number; body: { error?: string } }> {
  try {
    const s = await p
    await s.close()
  } catch (err) {
    if (err instanceof UpgradeRefused) return { status: err.status, body: JSON.parse(err.body) as { error?: string } }
    throw err
  }
  throw new Error('the upgrade was accepted')
}

async function hello(s: TestSocket): Promise<Extract<ServerMessage, { type: 'hello' }>> {
  const h = await s.next<Extract<ServerMessage, { type: 'hello' }>>((m) => m.type === 'hello')
  s.send({ type: 'resume', afterSeq: h.seq })
  return h
}

const question = (eventId: string, author: Question['author']): Question => ({
  id: 'q1', eventId, text: 'Why?', anonymous: true, author, status: 'approved', pinned: false, answeredAt: null, upvotes: 0, createdAt: '2026-01-01T12:00:00.000Z',
})

describe.each(['uws', 'ws'] as const)(`gateway access and bad input on %s (${backend})`, (transport) => {
  let f: GatewayFixture
  let host: { a: Agent; eventId: string }
  let viewer: Agent
  beforeAll(async () => {
    f = await gatewayFixture(transport, [acking], { gatewayAccountWritesPerMin: 8, gatewayModeratorRecheckSec: 1 })
    host = await organizer(f.t)
    viewer = await signedIn(f.t)
  })
  afterAll(async () => f.close())

  const cookieHeaders = (a: Agent, origin = APP_ORIGIN): Record<string, string> => ({ cookie: a.cookie, origin })

  it('guests connect read-only: vote and react are refused UNAUTHENTICATED and the connection stays', async () => {
    const s = await TestSocket.connect(f.url(host.eventId), { origin: 'https://anywhere.example' })
    expect(await hello(s)).toMatchObject({ role: 'guest', userId: null })
    s.send({ type: 'vote', pollId: 'p1', optionId: 'o1', ref: 'r1' })
    expect(await s.next((m) => m.type === 'error')).toEqual({ type: 'error', code: 'UNAUTHENTICATED', message: expect.any(String), ref: 'r1' })
    s.send({ type: 'react', emoji: '🔥' })
    await s.count((m) => m.type === 'error', 2)
    expect(s.got.filter((m) => m.type === 'error').map((m) => (m.type === 'error' ? [m.code, m.ref] : []))).toEqual([['UNAUTHENTICATED', 'r1'], ['UNAUTHENTICATED', undefined]])
    s.send({ type: 'ping' })
    await s.next((m) => m.type === 'pong')
    await s.close()
  })

  it('a signed-in viewer (session cookie, same-host page) votes through the feature: ack with its ref', async () => {
    const s = await TestSocket.connect(f.url(host.eventId), cookieHeaders(viewer))
    const h = await hello(s)
    expect(h.role).toBe('viewer')
    expect(h.userId).toEqual(expect.any(String))
    s.send({ type: 'vote', pollId: 'p1', optionId: 'o1', ref: 'v-42' })
    expect(await s.next((m) => m.type === 'ack')).toEqual({ type: 'ack', ref: 'v-42' })
    await s.close()
  })

  it('an instance where no feature handles votes answers UNAVAILABLE with the ref', async () => {
    const bare = await f.second([])
    const s = await TestSocket.connect(f.url(host.eventId, undefined, bare.gw), cookieHeaders(viewer))
    await hello(s)
    s.send({ type: 'vote', pollId: 'p1', optionId: 'o1', ref: 'v-1' })
    expect(await s.next((m) => m.type === 'error')).toMatchObject({ code: 'UNAVAILABLE', ref: 'v-1' })
    await s.close()
  })

  it('socket writes are limited per account across connections', async () => {
    const a = await signedIn(f.t)
    const one = await TestSocket.connect(f.url(host.eventId), cookieHeaders(a))
    const two = await TestSocket.connect(f.url(host.eventId), cookieHeaders(a))
    await hello(one)
    await hello(two)
    for (let i = 0; i < 5; i++) one.send({ type: 'vote', pollId: 'p1', optionId: 'o1', ref: `a${String(i)}` })
    for (let i = 0; i < 5; i++) two.send({ type: 'vote', pollId: 'p1', optionId: 'o1', ref: `b${String(i)}` })
    const answers = async (s: TestSocket): Promise<ServerMessage[]> => s.count((m) => m.type === 'ack' || m.type === 'error', 5)
    const all = [...(await answers(one)), ...(await answers(two))]
    expect(all.filter((m) => m.type === 'ack')).toHaveLength(8)
    expect(all.filter((m) => m.type === 'error').map((m) => (m.type === 'error' ? m.code : ''))).toEqual(['TOO_MANY_REQUESTS', 'TOO_MANY_REQUESTS'])
    await one.close()
    await two.close()
  })

  it('a cookie upgrade from a foreign page is refused; without Origin (not a browser) it is accepted', async () => {
    const r = await refusal(TestSocket.connect(f.url(host.eventId), cookieHeaders(viewer, 'https://evil.example')))
    expect(r).toEqual({ status: 403, body: { error: 'ORIGIN_NOT_ALLOWED', message: expect.any(String) } })
    expect((await refusal(TestSocket.connect(f.url(host.eventId), cookieHeaders(viewer, 'null')))).status).toBe(403)
    const s = await TestSocket.connect(f.url(host.eventId), { cookie: viewer.cookie })
    expect(await hello(s)).toMatchObject({ role: 'viewer' })
    await s.close()
  })

  it('unknown events and paths are refused before any upgrade', async () => {
    expect(await refusal(TestSocket.connect(f.url('no-such-event')))).toMatchObject({ status: 404, body: { error: 'EVENT_NOT_FOUND' } })
    expect(await refusal(TestSocket.connect(`ws://127.0.0.1:${String(f.gw.port)}/v2/other`))).toMatchObject({ status: 404, body: { error: 'NOT_FOUND' } })
    expect(await refusal(TestSocket.connect(`ws://127.0.0.1:${String(f.gw.port)}/v1/events/..%2Fx`))).toMatchObject({ status: 404 })
  })

  it('createRealtimeToken: a token connects without cookie; another event, expiry and garbage are refused', async () => {
    expect((await new (viewer.constructor as typeof Agent)(f.t).req('POST', `/api/events/${host.eventId}/realtime-tokens`, {})).status).toBe(401)
    const r = await viewer.req('POST', `/api/events/${host.eventId}/realtime-tokens`, {})
    expect(r.status).toBe(201)
    expect(r.body).toMatchObject({ token: expect.any(String), realtimeUrl: expect.stringMatching(/^ws:\/\//), role: 'viewer', expiresAt: new Date(f.t.clock.now() + 900_000).toISOString() })
    expect(r.res.headers['cache-control']).toBe('no-store')
    const token = r.body.token as string
    const s = await TestSocket.connect(f.url(host.eventId, `token=${token}`), { origin: 'https://obs.example' })
    expect(await hello(s)).toMatchObject({ role: 'viewer', userId: expect.any(String) })
    await s.close()
    const other = await insertTestEvent(f.t.ctx.db)
    expect(await refusal(TestSocket.connect(f.url(other.eventId, `token=${token}`)))).toMatchObject({ status: 403, body: { error: 'TOKEN_WRONG_EVENT' } })
    expect(await refusal(TestSocket.connect(f.url(host.eventId, 'token=not.a.token')))).toMatchObject({ status: 401, body: { error: 'TOKEN_INVALID' } })
    expect(await refusal(TestSocket.connect(f.url(host.eventId, 'token=')))).toMatchObject({ status: 401, body: { error: 'TOKEN_INVALID' } })
    f.t.clock.advance(901_000)
    expect(await refusal(TestSocket.connect(f.url(host.eventId, `token=${token}`)))).toMatchObject({ status: 401, body: { error: 'TOKEN_EXPIRED' } })
    expect((await viewer.req('POST', `/api/events/no-such-event/realtime-tokens`, {})).status).toBe(404)
    expect((await viewer.req('POST', `/api/events/${host.eventId}/realtime-tokens`, { ttlSec: 999_999 })).status).toBe(400)
    expect((await viewer.req('POST', `/api/events/${host.eventId}/realtime-tokens`, { ttlSec: 100_000 })).body).toMatchObject({ error: 'VALIDATION' })
    expect((await viewer.req('POST', `/api/events/${host.eventId}/realtime-tokens`, { role: 'admin' })).status).toBe(400)
  })

  it('moderator tokens need the moderating role with 2FA, are audited, and connect as moderator', async () => {
    const denied = await viewer.req('POST', `/api/events/${host.eventId}/realtime-tokens`, { role: 'moderator' })
    expect(denied.status).toBe(403)
    expect(denied.body).toMatchObject({ error: 'FORBIDDEN' })
    const r = await host.a.req('POST', `/api/events/${host.eventId}/realtime-tokens`, { role: 'moderator', ttlSec: 3600 })
    expect(r.status).toBe(201)
    expect(r.body).toMatchObject({ role: 'moderator' })
    const rows = await f.t.ctx.db.query<{ action: string; result: string }>('SELECT action, result FROM audit_log WHERE event_id = $1 AND action = $2', [host.eventId, 'realtime.token.moderator'])
    expect(rows.map((x) => x.result).sort()).toEqual(['denied', 'ok'])
    const s = await TestSocket.connect(f.url(host.eventId, `token=${r.body.token as string}`))
    expect(await hello(s)).toMatchObject({ role: 'moderator' })
    await s.close()
    // A viewer token of a host shows the public rendering (what goes on stream).
    const v = await host.a.req('POST', `/api/events/${host.eventId}/realtime-tokens`, {})
    const sv = await TestSocket.connect(f.url(host.eventId, `token=${v.body.token as string}`))
    expect(await hello(sv)).toMatchObject({ role: 'viewer' })
    await sv.close()
  })

  it('moderators get the moderators’ renderings, the audience the public ones (none for moderator-only items)', async () => {
    const mod = await TestSocket.connect(f.url(host.eventId), cookieHeaders(host.a))
    const pub = await TestSocket.connect(f.url(host.eventId), cookieHeaders(viewer))
    expect((await hello(mod)).role).toBe('moderator')
    expect((await hello(pub)).role).toBe('viewer')
    const author = { userId: 'u-asker', displayName: 'Asker' }
    await f.t.ctx.realtime.withFeed(host.eventId, async (_q, append) => {
      await append({ public: { type: 'question', question: question(host.eventId, null) }, moderators: { type: 'question', question: question(host.eventId, author) } })
      await append({ public: null, moderators: { type: 'moderation', action: 'report', messageId: 'm1', reason: 'spam' } })
      return append(chatItem(host.eventId, 1).draft)
    })
    const ordered = (m: ServerMessage): boolean => m.type === 'question' || m.type === 'moderation' || m.type === 'chat'
    const modGot = await mod.count(ordered, 3)
    const pubGot = await pub.count(ordered, 2)
    expect(modGot.map((m) => m.type)).toEqual(['question', 'moderation', 'chat'])
    expect(modGot[0]).toMatchObject({ question: { author } })
    expect(pubGot.map((m) => m.type)).toEqual(['question', 'chat'])
    expect(pubGot[0]).toMatchObject({ question: { author: null } })
    await f.t.ctx.realtime.publish(host.eventId, { type: 'question.votes', counts: { q1: 3 } }, 'moderators')
    await f.t.ctx.realtime.publish(host.eventId, { type: 'presence', viewers: 77 })
    await mod.next((m) => m.type === 'presence' && m.viewers === 77)
    await pub.next((m) => m.type === 'presence' && m.viewers === 77)
    expect(mod.got.some((m) => m.type === 'question.votes')).toBe(true)
    expect(pub.got.some((m) => m.type === 'question.votes')).toBe(false)
    await mod.close()
    await pub.close()
  })

  it('a moderator whose role is revoked, or who signs out, loses the moderators’ view within the re-check', async () => {
    const m = await signedIn(f.t)
    await enrollTotp(m)
    const first = await TestSocket.connect(f.url(host.eventId), cookieHeaders(m))
    const h = await hello(first)
    expect(h.role).toBe('viewer')
    await first.close()
    const userId = h.userId ?? ''
    await grantEventRole(f.t.ctx.db, userId, host.eventId, 'moderator')
    const mod = await TestSocket.connect(f.url(host.eventId), cookieHeaders(m))
    expect((await hello(mod)).role).toBe('moderator')
    await new Promise((r) => setTimeout(r, 1500))
    expect(mod.ws.readyState).toBe(mod.ws.OPEN)
    await f.t.ctx.db.tx((q) => revokeEventRole(q, userId, host.eventId, 'moderator'))
    expect((await mod.closed).code).toBe(1008)
    const again = await TestSocket.connect(f.url(host.eventId), cookieHeaders(m))
    expect((await hello(again)).role).toBe('viewer')
    await again.close()
    // Signing out ends the session: its moderator socket goes too.
    await grantEventRole(f.t.ctx.db, userId, host.eventId, 'moderator')
    const mod2 = await TestSocket.connect(f.url(host.eventId), cookieHeaders(m))
    expect((await hello(mod2)).role).toBe('moderator')
    expect((await m.req('POST', '/api/auth/logout')).status).toBeLessThan(300)
    expect((await mod2.closed).code).toBe(1008)
  })

  it('malformed JSON and unknown types get typed errors and the connection keeps working', async () => {
    const s = await TestSocket.connect(f.url(host.eventId))
    await hello(s)
    s.send('{"type": "resume", afterSeq')
    s.send({ type: 'subscribe', topic: 'admin' })
    s.send({ type: 'resume', afterSeq: -4 })
    await s.count((m) => m.type === 'error', 3)
    expect(s.got.filter((m) => m.type === 'error').map((m) => (m.type === 'error' ? m.code : ''))).toEqual(['BAD_FRAME', 'UNKNOWN_TYPE', 'BAD_FRAME'])
    s.send({ type: 'ping' })
    await s.next((m) => m.type === 'pong')
    await s.close()
  })

  it('an oversized frame closes that connection only', async () => {
    const other = await TestSocket.connect(f.url(host.eventId))
    await hello(other)
    const s = await TestSocket.connect(f.url(host.eventId))
    await hello(s)
    s.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(5000) }))
    const closed = await s.closed
    // ws closes with 1009; uWS cuts the connection (the client sees 1006).
    expect([1009, 1006]).toContain(closed.code)
    other.send({ type: 'ping' })
    await other.next((m) => m.type === 'pong')
    await other.close()
  })

  it('a flood past the per-connection bucket closes that connection only (1008)', async () => {
    const other = await TestSocket.connect(f.url(host.eventId))
    await hello(other)
    const s = await TestSocket.connect(f.url(host.eventId))
    await hello(s)
    for (let i = 0; i < 100; i++) s.send({ type: 'ping' })
    expect((await s.closed).code).toBe(1008)
    expect(s.got.filter((m) => m.type === 'pong').length).toBeLessThanOrEqual(30)
    other.send({ type: 'ping' })
    await other.next((m) => m.type === 'pong')
    await other.close()
  })

  it('viewer counts add up over instances (presence)', async () => {
    const b = await f.second()
    const { eventId } = await insertTestEvent(f.t.ctx.db)
    const onA = await TestSocket.connect(f.url(eventId))
    const onB1 = await TestSocket.connect(f.url(eventId, undefined, b.gw))
    const onB2 = await TestSocket.connect(f.url(eventId, undefined, b.gw))
    await onA.next((m) => m.type === 'presence' && m.viewers === 3, 5000)
    await onB1.next((m) => m.type === 'presence' && m.viewers === 3, 5000)
    await onB2.close()
    const from = onA.got.length
    await onA.next((m) => m.type === 'presence' && m.viewers === 2, 5000, from)
    await onA.close()
    await onB1.close()
  })

  it('serves /health and /metrics on the gateway port', async () => {
    const h = await fetch(`http://127.0.0.1:${String(f.gw.port)}/health`)
    expect(h.status).toBe(200)
    expect(await h.json()).toMatchObject({ status: 'ok', service: 'gateway', connections: expect.any(Number) })
    const m = await (await fetch(`http://127.0.0.1:${String(f.gw.port)}/metrics`)).text()
    expect(m).toContain('gateway_connections')
    expect(m).toContain('gateway_refused_total')
    expect((await fetch(`http://127.0.0.1:${String(f.gw.port)}/nothing`)).status).toBe(404)
  })
})
