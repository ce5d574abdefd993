// Chat routes for viewers: sendChatMessage and listChatMessages with every refusal (length, blocked words, slow mode, 20/30 s, bans).
import { describe, it, expect, afterAll } from 'vitest'
import fc from 'fast-check'
import type { ServerMessage } from '../../../common/wire/realtime.ts'
import type { ChatPage, SequencedChatMessage } from '../../../common/wire/talk.ts'
import { Agent, makeApp } from '../../test-support.ts'
import { collectPublished } from '../../realtime/test-support.ts'
import { endEvent, stage, viewer, withRole } from '../talk-test-support.ts'

describe('chat routes', async () => {
  const t = await makeApp()
  afterAll(() => t.close())
  const send = (a: Agent, eventId: string, text: unknown, headers?: Record<string, string>) =>
    a.req('POST', `/api/events/${eventId}/chat/messages`, { text }, headers !== undefined ? { headers } : {})
  const settings = (s: { mod: Agent; eventId: string }, body: unknown) => s.mod.req('PATCH', `/api/events/${s.eventId}/chat/settings`, body)

  it('guests read the chat but every write is 401 before its body is looked at', async () => {
    const s = await stage(t)
    const guest = new Agent(t)
    expect((await guest.req('GET', `/api/events/${s.eventId}/chat/messages`)).body).toEqual({ messages: [], nextBefore: null })
    expect((await guest.req('GET', '/api/events/no-such-event/chat/messages')).body.error).toBe('EVENT_NOT_FOUND')
    const writes: [string, string, unknown][] = [
      ['POST', `/api/events/${s.eventId}/chat/messages`, { text: 'x'.repeat(5000) }],
      ['POST', `/api/events/${s.eventId}/chat/messages/m_x/reports`, { bogus: true }],
      ['DELETE', `/api/events/${s.eventId}/chat/messages/m_x`, undefined],
      ['POST', `/api/events/${s.eventId}/chat/timeouts`, { userId: 'x', durationSec: 1 }],
      ['POST', `/api/events/${s.eventId}/chat/bans`, {}],
      ['DELETE', `/api/events/${s.eventId}/chat/bans/someone`, undefined],
      ['PATCH', `/api/events/${s.eventId}/chat/settings`, { slowModeSec: -1 }],
      ['GET', `/api/events/${s.eventId}/chat/reports`, undefined],
      ['POST', `/api/events/${s.eventId}/reactions`, { emoji: 'nope' }],
      ['PATCH', '/api/me/profile', { displayName: '' }],
    ]
    for (const [method, url, body] of writes) {
      const r = await guest.req(method as 'POST', url, body)
      expect([method, url, r.status, r.body.error]).toEqual([method, url, 401, 'UNAUTHENTICATED'])
    }
  })

  it('after the event has ended: sends are 409 EVENT_ENDED; reading, reports and moderation still work', async () => {
    const s = await stage(t)
    const v = await viewer(t)
    const m = (await send(v.a, s.eventId, 'before the end')).body as unknown as SequencedChatMessage
    const other = (await send(s.mod, s.eventId, 'mod note')).body as unknown as SequencedChatMessage
    await endEvent(s)
    for (const a of [v.a, s.mod]) {
      const r = await send(a, s.eventId, 'after the end')
      expect([r.status, r.body.error]).toEqual([409, 'EVENT_ENDED'])
    }
    const page = (await new Agent(t).req('GET', `/api/events/${s.eventId}/chat/messages`)).body as unknown as ChatPage
    expect(page.messages.map((x) => x.message.text)).toEqual(['before the end', 'mod note'])
    expect((await v.a.req('POST', `/api/events/${s.eventId}/chat/messages/${other.message.id}/reports`, { reason: 'x' })).status).toBe(201)
    expect((await s.mod.req('DELETE', `/api/events/${s.eventId}/chat/messages/${m.message.id}`)).status).toBe(200)
    expect((await s.mod.req('POST', `/api/events/${s.eventId}/chat/bans`, { userId: v.id })).status).toBe(200)
    expect((await s.mod.req('PATCH', `/api/events/${s.eventId}/chat/settings`, { slowModeSec: 5 })).status).toBe(200)
  })

  it('a message is stored with its feed seq, reaches everyone, and pages back by seq', async () => {
    const s = await stage(t)
    const v = await viewer(t)
    const pub = await collectPublished(t.ctx.kv, s.eventId)
    const sent: SequencedChatMessage[] = []
    for (let i = 0; i < 5; i++) {
      const r = await send(v.a, s.eventId, ` hello ${String(i)} `)
      expect(r.status).toBe(201)
      sent.push(r.body as unknown as SequencedChatMessage)
    }
    expect(sent[0]?.message).toMatchObject({ text: 'hello 0', eventId: s.eventId, author: { userId: v.id } })
    expect(sent.map((m) => m.seq)).toEqual([...sent.map((m) => m.seq)].sort((a, b) => a - b))
    const last = sent[4] as SequencedChatMessage
    const got = await pub.waitFor<Extract<ServerMessage, { type: 'chat' }>>((m) => m.type === 'chat' && m.message.id === last.message.id, { audience: 'public' })
    expect(got).toEqual({ type: 'chat', seq: last.seq, message: last.message })
    await pub.stop()

    const page1 = (await new Agent(t).req('GET', `/api/events/${s.eventId}/chat/messages?limit=2`)).body as unknown as ChatPage
    expect(page1.messages.map((m) => m.message.text)).toEqual(['hello 3', 'hello 4'])
    const page2 = (await new Agent(t).req('GET', `/api/events/${s.eventId}/chat/messages?limit=2&before=${String(page1.nextBefore)}`)).body as unknown as ChatPage
    expect(page2.messages.map((m) => m.message.text)).toEqual(['hello 1', 'hello 2'])
    const page3 = (await new Agent(t).req('GET', `/api/events/${s.eventId}/chat/messages?limit=2&before=${String(page2.nextBefore)}`)).body as unknown as ChatPage
    expect([page3.messages.map((m) => m.message.text), page3.nextBefore]).toEqual([['hello 0'], null])
  })

  it('refuses long, empty and blocked texts, and unknown fields', async () => {
    const s = await stage(t)
    await settings(s, { blockedWords: ['darn', 'buy followers', 'scam*'] })
    const v = await viewer(t)
    expect((await send(v.a, s.eventId, 'x'.repeat(500))).status).toBe(201)
    expect((await send(v.a, s.eventId, 'x'.repeat(501))).body.error).toBe('VALIDATION')
    expect((await send(v.a, s.eventId, ' \n ')).body.error).toBe('EMPTY_TEXT')
    expect((await send(v.a, s.eventId, 42)).body.error).toBe('VALIDATION')
    expect((await v.a.req('POST', `/api/events/${s.eventId}/chat/messages`, { text: 'hi', seq: 1 })).body.error).toBe('VALIDATION')
    for (const bad of ['DARN it', 'dárn', 'Buy  Followers today', 'scammers!']) {
      const r = await send(v.a, s.eventId, bad)
      expect([bad, r.status, r.body.error]).toEqual([bad, 422, 'BLOCKED_WORD'])
    }
    // Whole words only: no false positive inside a longer word.
    expect((await send(v.a, s.eventId, 'darnation and followers to buy')).status).toBe(201)
    expect((await send(v.a, 'no-such-event', 'hi')).body.error).toBe('EVENT_NOT_FOUND')
  })

  it('slow mode: 429 SLOW_MODE with Retry-After until the time has passed; concurrent sends get one turn; moderators are exempt', async () => {
    const s = await stage(t)
    expect((await settings(s, { slowModeSec: 10 })).body).toMatchObject({ slowModeSec: 10 })
    const v = await viewer(t)
    expect((await send(v.a, s.eventId, 'one')).status).toBe(201)
    t.clock.advance(4000)
    const r = await send(v.a, s.eventId, 'two')
    expect([r.status, r.body.error, r.res.headers['retry-after']]).toEqual([429, 'SLOW_MODE', '6'])
    t.clock.advance(6000)
    expect((await send(v.a, s.eventId, 'two')).status).toBe(201)
    t.clock.advance(10_000)
    const burst = await Promise.all([1, 2, 3, 4, 5].map((i) => send(v.a, s.eventId, `burst ${String(i)}`)))
    expect(burst.filter((b) => b.status === 201)).toHaveLength(1)
    expect(burst.filter((b) => b.status === 429).every((b) => b.body.error === 'SLOW_MODE')).toBe(true)
    for (let i = 0; i < 3; i++) expect((await send(s.mod, s.eventId, `mod ${String(i)}`)).status).toBe(201)
  })

  it('20 messages per 30 s per account across events (TOO_MANY_REQUESTS); moderators get 100', async () => {
    const s = await stage(t)
    const other = await stage(t)
    const v = await viewer(t)
    t.clock.advance(30_000 - (t.clock.now() % 30_000))
    for (let i = 0; i < 20; i++) expect((await send(v.a, i % 2 === 0 ? s.eventId : other.eventId, `m${String(i)}`)).status).toBe(201)
    const r = await send(v.a, s.eventId, 'one too many')
    expect([r.status, r.body.error, r.res.headers['retry-after']]).toEqual([429, 'TOO_MANY_REQUESTS', '30'])
    t.clock.advance(30_000)
    expect((await send(v.a, s.eventId, 'next window')).status).toBe(201)
    const mod = await withRole(t, s, 'moderator', { totp: false })
    for (let i = 0; i < 25; i++) expect((await send(mod.a, s.eventId, `mod ${String(i)}`)).status).toBe(201)
  })

  it('the limit slides: 20 at the end of one 30 s stretch leave no room at the start of the next, only as they age out', async () => {
    const s = await stage(t)
    const v = await viewer(t)
    // Just before where a fixed window would have ended.
    t.clock.advance(30_000 - (t.clock.now() % 30_000) + 29_000)
    for (let i = 0; i < 20; i++) expect((await send(v.a, s.eventId, `late ${String(i)}`)).status).toBe(201)
    t.clock.advance(2000)
    const edge = await send(v.a, s.eventId, 'fresh window?')
    expect([edge.status, edge.body.error, edge.res.headers['retry-after']]).toEqual([429, 'TOO_MANY_REQUESTS', '28'])
    t.clock.advance(27_999)
    expect((await send(v.a, s.eventId, 'still 1 ms early')).status).toBe(429)
    t.clock.advance(1)
    expect((await send(v.a, s.eventId, 'aged out')).status).toBe(201)
    // Concurrent sends cannot overshoot the limit either (compare-and-set on one log).
    const w = await viewer(t)
    t.clock.advance(60_000)
    const burst = await Promise.all(Array.from({ length: 30 }, (_, i) => send(w.a, s.eventId, `burst ${String(i)}`)))
    expect(burst.filter((b) => b.status === 201)).toHaveLength(20)
  })

  it('an Idempotency-Key retry returns the stored message instead of sending it twice', async () => {
    const s = await stage(t)
    const v = await viewer(t)
    const key = { 'idempotency-key': 'chat-key-0001' }
    const a = await send(v.a, s.eventId, 'once', key)
    const b = await send(v.a, s.eventId, 'once', key)
    expect([a.status, b.status]).toEqual([201, 200])
    expect(b.body).toEqual(a.body)
    expect((await send(v.a, s.eventId, 'once', { 'idempotency-key': 'bad key!' })).body.error).toBe('VALIDATION')
    const page = (await v.a.req('GET', `/api/events/${s.eventId}/chat/messages`)).body as unknown as ChatPage
    expect(page.messages).toHaveLength(1)
  })

  it('banned and timed-out users are refused with 403 until lifted or over', async () => {
    const s = await stage(t)
    const v = await viewer(t)
    expect((await s.mod.req('POST', `/api/events/${s.eventId}/chat/timeouts`, { userId: v.id, durationSec: 30 })).status).toBe(200)
    const r = await send(v.a, s.eventId, 'let me talk')
    expect([r.status, r.body.error, r.body.until]).toEqual([403, 'TIMED_OUT', new Date(t.clock.now() + 30_000).toISOString()])
    expect((await v.a.req('POST', `/api/events/${s.eventId}/chat/messages/m_x/reports`, {})).body.error).toBe('TIMED_OUT')
    t.clock.advance(30_000)
    expect((await send(v.a, s.eventId, 'back')).status).toBe(201)
    expect((await s.mod.req('POST', `/api/events/${s.eventId}/chat/bans`, { userId: v.id, reason: 'spam' })).status).toBe(200)
    expect((await send(v.a, s.eventId, 'still here')).body.error).toBe('BANNED')
    // A ban on one event says nothing about another.
    const other = await stage(t)
    expect((await send(v.a, other.eventId, 'elsewhere')).status).toBe(201)
  })

  it('every talk operation is in the OpenAPI document under /api/events/{eventId}/… (profile under /api/me)', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json<{ paths: Record<string, Record<string, { operationId?: string }>> }>()
    const ops = new Map<string, string>()
    for (const [path, methods] of Object.entries(doc.paths)) for (const [m, op] of Object.entries(methods)) if (op.operationId !== undefined) ops.set(op.operationId, `${m.toUpperCase()} ${path}`)
    expect(Object.fromEntries(['askQuestion', 'listQuestions', 'upvoteQuestion', 'moderateQuestion', 'sendChatMessage', 'listChatMessages', 'deleteChatMessage', 'timeoutUser', 'banUser', 'unbanUser', 'updateChatSettings', 'getChatSettings', 'reportChatMessage', 'listChatReports', 'react', 'updateProfile'].map((id) => [id, ops.get(id)]))).toEqual({
      askQuestion: 'POST /api/events/{eventId}/questions',
      listQuestions: 'GET /api/events/{eventId}/questions',
      upvoteQuestion: 'POST /api/events/{eventId}/questions/{questionId}/upvotes',
      moderateQuestion: 'POST /api/events/{eventId}/questions/{questionId}/moderation',
      sendChatMessage: 'POST /api/events/{eventId}/chat/messages',
      listChatMessages: 'GET /api/events/{eventId}/chat/messages',
      deleteChatMessage: 'DELETE /api/events/{eventId}/chat/messages/{messageId}',
      timeoutUser: 'POST /api/events/{eventId}/chat/timeouts',
      banUser: 'POST /api/events/{eventId}/chat/bans',
      unbanUser: 'DELETE /api/events/{eventId}/chat/bans/{userId}',
      updateChatSettings: 'PATCH /api/events/{eventId}/chat/settings',
      getChatSettings: 'GET /api/events/{eventId}/chat/settings',
      reportChatMessage: 'POST /api/events/{eventId}/chat/messages/{messageId}/reports',
      listChatReports: 'GET /api/events/{eventId}/chat/reports',
      react: 'POST /api/events/{eventId}/reactions',
      updateProfile: 'PATCH /api/me/profile',
    })
  })

  it('any text, however odd, is stored as sent or refused with a 4xx, never a 5xx', async () => {
    const s = await stage(t)
    await settings(s, { blockedWords: ['bad', 'two words', '*mid*'] })
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: fc.constantFrom('a', 'B', 'd', ' ', 'é', '\u0301', '\u200b', 'ｂ', '😀', '\n', '"', '\\', '<', 'mid', 'bad', 'two words'), maxLength: 520 }), async (text) => {
        t.clock.advance(30_000)
        const r = await send(s.mod, s.eventId, text)
        expect([201, 400, 422]).toContain(r.status)
        if (r.status === 201) expect((r.body as unknown as SequencedChatMessage).message.text).toBe(text.trim())
      }),
      { numRuns: 60 },
    )
  })
})
