// Q&A, chat and reactions over real gateway sockets on uWS and ws: refusals, merged reactions across instances, items per audience, snapshots.
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import type { ServerMessage } from '../../common/wire/realtime.ts'
import type { SequencedChatMessage } from '../../common/wire/talk.ts'
import { gatewayFixture, type GatewayFixture } from '../realtime/test-gateway.ts'
import { TestSocket } from '../realtime/test-client.ts'
import type { Gateway } from '../realtime/gateway.ts'
import type { Agent } from '../test-support.ts'
import { registerTalkGateway } from './talk.ts'
import { endEvent, stage, viewer, type Stage } from './talk-test-support.ts'

const backend = process.env.DATABASE_URL !== undefined && process.env.DATABASE_URL !== '' ? 'postgres+redis' : 'embedded'

describe.each(['uws', 'ws'] as const)(`talk on the gateway, %s (${backend})`, (transport) => {
  let f: GatewayFixture
  let s: Stage
  let second: Gateway
  beforeAll(async () => {
    f = await gatewayFixture(transport, [registerTalkGateway])
    s = await stage(f.t)
    second = (await f.second()).gw
  })
  afterAll(async () => f.close())

  async function socketOf(a: Agent | null, gw = f.gw, eventId = s.eventId): Promise<TestSocket> {
    const sock = await TestSocket.connect(f.url(eventId, undefined, gw), a === null ? {} : { cookie: a.cookie })
    await sock.next((m) => m.type === 'hello')
    sock.send({ type: 'resume', afterSeq: (sock.got[0] as Extract<ServerMessage, { type: 'hello' }>).seq })
    return sock
  }

  /** Waits for `pred` on `sock` while moving the service clock one tick at a time (ticks read windows by that clock). */
  async function tickUntil<T extends ServerMessage>(sock: TestSocket, pred: (m: ServerMessage) => boolean, from = 0): Promise<T> {
    const W = f.t.ctx.config.gatewayTickMs
    let done = false
    const pump = (async () => {
      while (!done) {
        f.t.clock.advance(W)
        await new Promise((r) => setTimeout(r, W))
      }
    })()
    try {
      return await sock.next<T>(pred, 8000, from)
    } finally {
      done = true
      await pump
    }
  }

  it('guests, banned and timed-out viewers cannot react over the socket; the connection stays', async () => {
    const guest = await socketOf(null)
    guest.send({ type: 'react', emoji: '🔥' })
    expect(await guest.next((m) => m.type === 'error')).toMatchObject({ code: 'UNAUTHENTICATED' })
    guest.send({ type: 'ping' })
    await guest.next((m) => m.type === 'pong')
    const banned = await viewer(f.t)
    const timedOut = await viewer(f.t)
    expect((await s.mod.req('POST', `/api/events/${s.eventId}/chat/bans`, { userId: banned.id })).status).toBe(200)
    expect((await s.mod.req('POST', `/api/events/${s.eventId}/chat/timeouts`, { userId: timedOut.id, durationSec: 600 })).status).toBe(200)
    const b = await socketOf(banned.a)
    b.send({ type: 'react', emoji: '🔥' })
    expect(await b.next((m) => m.type === 'error')).toMatchObject({ code: 'BANNED' })
    const to = await socketOf(timedOut.a)
    to.send({ type: 'react', emoji: '🔥' })
    expect(await to.next((m) => m.type === 'error')).toMatchObject({ code: 'TIMED_OUT' })
    await Promise.all([guest.close(), b.close(), to.close()])
  })

  it('after the event has ended, a react frame gets an EVENT_ENDED error on both instances; the connection stays', async () => {
    const ending = await stage(f.t)
    const v = await viewer(f.t)
    const [onA, onB] = await Promise.all([socketOf(v.a, f.gw, ending.eventId), socketOf(v.a, second, ending.eventId)])
    onA.send({ type: 'react', emoji: '🔥' })
    await expect(onA.next((m) => m.type === 'error', 300)).rejects.toThrow()
    await endEvent(ending)
    for (const sock of [onA, onB]) {
      sock.send({ type: 'react', emoji: '🔥' })
      expect(await sock.next((m) => m.type === 'error')).toMatchObject({ code: 'EVENT_ENDED' })
      sock.send({ type: 'ping' })
      await sock.next((m) => m.type === 'pong')
    }
    await Promise.all([onA.close(), onB.close()])
  })

  it('reactions on two instances reach subscribers of both as one merged burst per tick, never one message per tap', async () => {
    const watchA = await socketOf(null)
    const watchB = await socketOf(null, second)
    const fans = await Promise.all([viewer(f.t), viewer(f.t)])
    const [onA, onB] = await Promise.all([socketOf((fans[0] as (typeof fans)[number]).a), socketOf((fans[1] as (typeof fans)[number]).a, second)])
    for (let i = 0; i < 5; i++) onA.send({ type: 'react', emoji: '🎉', count: 3 })
    for (let i = 0; i < 4; i++) onB.send({ type: 'react', emoji: '🎉', count: 2 })
    onB.send({ type: 'react', emoji: '😮' })
    await expect(onA.next((m) => m.type === 'error', 300)).rejects.toThrow()
    const sum = (sock: TestSocket): Record<string, number> => {
      const out: Record<string, number> = {}
      for (const m of sock.got) if (m.type === 'reactions') for (const [k, v] of Object.entries(m.counts)) out[k] = (out[k] ?? 0) + v
      return out
    }
    const want = { '🎉': 23, '😮': 1 }
    const covered = (sock: TestSocket) => (m: ServerMessage) => m.type === 'reactions' && (sum(sock)['🎉'] ?? 0) >= 23 && (sum(sock)['😮'] ?? 0) >= 1
    await tickUntil(watchA, covered(watchA))
    await tickUntil(watchB, covered(watchB))
    expect(sum(watchA)).toEqual(want)
    expect(sum(watchB)).toEqual(want)
    // 10 frames became at most a few tick messages.
    expect(watchA.got.filter((m) => m.type === 'reactions').length).toBeLessThanOrEqual(3)
    await Promise.all([watchA, watchB, onA, onB].map((x) => x.close()))
  })

  it('chat reaches every instance in order; a deletion too; reports and pending questions only reach moderators', async () => {
    const mod = await socketOf(s.mod, second)
    const pub = await socketOf(null)
    const v = await viewer(f.t)
    const m1 = (await v.a.req('POST', `/api/events/${s.eventId}/chat/messages`, { text: 'first' })).body as unknown as SequencedChatMessage
    const m2 = (await v.a.req('POST', `/api/events/${s.eventId}/chat/messages`, { text: 'second' })).body as unknown as SequencedChatMessage
    await pub.next((m) => m.type === 'chat' && m.message.id === m2.message.id)
    expect(pub.got.filter((m) => m.type === 'chat').map((m) => (m.type === 'chat' ? m.seq : 0))).toEqual([m1.seq, m2.seq])
    await mod.next((m) => m.type === 'chat' && m.message.id === m2.message.id)
    expect((await v.a.req('POST', `/api/events/${s.eventId}/chat/messages/${m1.message.id}/reports`, { reason: 'rude' })).status).toBe(201)
    expect((await v.a.req('POST', `/api/events/${s.eventId}/questions`, { text: 'Pending one?' })).status).toBe(201)
    expect((await s.mod.req('DELETE', `/api/events/${s.eventId}/chat/messages/${m1.message.id}`)).status).toBe(200)
    await pub.next((m) => m.type === 'chat.deleted' && m.messageId === m1.message.id)
    await mod.next((m) => m.type === 'chat.deleted' && m.messageId === m1.message.id)
    expect(mod.got.some((m) => m.type === 'moderation' && m.action === 'report' && m.messageId === m1.message.id)).toBe(true)
    expect(mod.got.some((m) => m.type === 'question' && m.question.status === 'pending')).toBe(true)
    expect(pub.got.some((m) => (m.type === 'moderation' && m.action === 'report') || m.type === 'question')).toBe(false)
    await Promise.all([mod.close(), pub.close()])
  })

  it('upvotes reach every instance as question.votes totals per tick', async () => {
    await s.mod.req('PATCH', `/api/events/${s.eventId}/chat/settings`, { qaPremoderation: false })
    const asker = await viewer(f.t)
    const q = (await asker.a.req('POST', `/api/events/${s.eventId}/questions`, { text: 'Upvote me' })).body as { id: string }
    const watch = await socketOf(null, second)
    const voters = await Promise.all([1, 2, 3].map(() => viewer(f.t)))
    for (const v of voters) expect((await v.a.req('POST', `/api/events/${s.eventId}/questions/${q.id}/upvotes`)).status).toBe(201)
    const got = await tickUntil<Extract<ServerMessage, { type: 'question.votes' }>>(watch, (m) => m.type === 'question.votes' && m.counts[q.id] === 3)
    expect(got.counts[q.id]).toBe(3)
    await watch.close()
  })

  it('after a gap the snapshot carries the audience view of questions, chat and settings', async () => {
    const v = await viewer(f.t)
    await s.mod.req('PATCH', `/api/events/${s.eventId}/chat/settings`, { blockedWords: ['hush'] })
    for (let i = 0; i < 12; i++) {
      f.t.clock.advance(1000)
      await v.a.req('POST', `/api/events/${s.eventId}/chat/messages`, { text: `filler ${String(i)}` })
    }
    const sock = await TestSocket.connect(f.url(s.eventId))
    await sock.next((m) => m.type === 'hello')
    sock.send({ type: 'resume', afterSeq: 1 })
    await sock.next((m) => m.type === 'gap')
    const snap = await sock.next<Extract<ServerMessage, { type: 'snapshot' }>>((m) => m.type === 'snapshot')
    expect(snap.settings).toMatchObject({ qaPremoderation: false, blockedWords: [] })
    expect(snap.chat.map((m) => m.text).slice(-2)).toEqual(['filler 10', 'filler 11'])
    expect(snap.questions.some((q) => q.status !== 'approved')).toBe(false)
    await sock.close()
  })
})
