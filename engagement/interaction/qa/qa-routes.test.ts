// Q&A routes: askQuestion, listQuestions, upvoteQuestion, moderateQuestion — every refusal, the feed renderings and the tick counts.
import { describe, it, expect, afterAll } from 'vitest'
import type { Question } from '../../../common/wire/interaction.ts'
import type { ServerMessage } from '../../../common/wire/realtime.ts'
import { Agent, makeApp } from '../../test-support.ts'
import { collectPublished } from '../../realtime/test-support.ts'
import { tickWindows } from '../reactions/tick-windows.ts'
import { auditOf, endEvent, stage, viewer, withRole } from '../talk-test-support.ts'

type QMsg = Extract<ServerMessage, { type: 'question' }>
const isQ = (id: string) => (m: ServerMessage) => m.type === 'question' && m.question.id === id

describe('Q&A routes', async () => {
  const t = await makeApp()
  afterAll(() => t.close())
  const W = t.ctx.config.gatewayTickMs
  const ask = (a: Agent, eventId: string, body: unknown, headers?: Record<string, string>) => a.req('POST', `/api/events/${eventId}/questions`, body, headers !== undefined ? { headers } : {})
  const list = async (a: Agent, eventId: string, query = '') => (await a.req('GET', `/api/events/${eventId}/questions${query}`)).body as { questions: Question[]; upvoted: string[] }
  const moderate = (a: Agent, eventId: string, id: string, action: string) => a.req('POST', `/api/events/${eventId}/questions/${id}/moderation`, { action })

  it('guests read but cannot ask, upvote or moderate: 401 before the body is looked at', async () => {
    const s = await stage(t)
    const guest = new Agent(t)
    expect((await guest.req('GET', `/api/events/${s.eventId}/questions`)).status).toBe(200)
    for (const [url, body] of [
      [`/api/events/${s.eventId}/questions`, { nonsense: 1 }],
      [`/api/events/${s.eventId}/questions/q_x/upvotes`, undefined],
      [`/api/events/${s.eventId}/questions/q_x/moderation`, { action: 'explode' }],
    ] as const) {
      const r = await guest.req('POST', url, body)
      expect(r.status).toBe(401)
      expect(r.body.error).toBe('UNAUTHENTICATED')
    }
    expect((await guest.req('GET', `/api/events/${s.eventId}/questions?view=moderation`)).status).toBe(401)
    expect((await guest.req('GET', '/api/events/no-such-event/questions')).status).toBe(404)
  })

  it('pre-moderation (on by default): the asker and moderators see a pending question, the audience does not until approved', async () => {
    const s = await stage(t)
    const asker = await viewer(t)
    const other = await viewer(t)
    const pub = await collectPublished(t.ctx.kv, s.eventId)
    const r = await ask(asker.a, s.eventId, { text: '  Will there be an encore?  ' })
    expect(r.status).toBe(201)
    const q = r.body as unknown as Question
    expect(q).toMatchObject({ status: 'pending', text: 'Will there be an encore?', anonymous: false, upvotes: 0, answeredAt: null, author: { userId: asker.id } })
    expect((q.author?.displayName ?? '').startsWith('viewer-')).toBe(true)
    await pub.waitFor(isQ(q.id))
    const item = pub.items().find((i) => i.moderators.type === 'question')
    expect(item?.public).toBeNull()
    expect((await list(asker.a, s.eventId)).questions.map((x) => x.id)).toEqual([q.id])
    expect((await list(other.a, s.eventId)).questions).toEqual([])
    expect((await list(new Agent(t), s.eventId)).questions).toEqual([])
    const modList = await list(s.mod, s.eventId, '?view=moderation&status=pending')
    expect(modList.questions.map((x) => [x.id, x.author?.userId])).toEqual([[q.id, asker.id]])

    expect((await moderate(s.mod, s.eventId, q.id, 'approve')).body).toMatchObject({ status: 'approved' })
    const approved = await pub.waitFor<QMsg>((m) => isQ(q.id)(m) && m.type === 'question' && m.question.status === 'approved', { audience: 'public' })
    expect(approved.question.author?.userId).toBe(asker.id)
    expect((await list(other.a, s.eventId)).questions.map((x) => x.id)).toEqual([q.id])
    expect((await auditOf(t, s.eventId, 'qa.moderate')).map((a) => [a.result, a.target])).toEqual([['ok', `${q.id}:approve`]])
    await pub.stop()
  })

  it('anonymous questions: the audience never learns who asked, moderators do; rejecting an approved one sends a blank tombstone', async () => {
    const s = await stage(t)
    await s.mod.req('PATCH', `/api/events/${s.eventId}/chat/settings`, { qaPremoderation: false })
    const asker = await viewer(t)
    const pub = await collectPublished(t.ctx.kv, s.eventId)
    const q = (await ask(asker.a, s.eventId, { text: 'Secret question', anonymous: true })).body as unknown as Question
    expect(q.status).toBe('approved')
    const publicMsg = await pub.waitFor<QMsg>(isQ(q.id), { audience: 'public' })
    expect(publicMsg.question.author).toBeNull()
    expect(JSON.stringify(publicMsg)).not.toContain(asker.id)
    expect((await pub.waitFor<QMsg>(isQ(q.id))).question.author?.userId).toBe(asker.id)
    const seen = (await list(new Agent(t), s.eventId)).questions[0]
    expect(seen?.author).toBeNull()
    expect(JSON.stringify(await list((await viewer(t)).a, s.eventId))).not.toContain(asker.id)
    expect((await list(s.mod, s.eventId, '?view=moderation')).questions[0]?.author?.userId).toBe(asker.id)

    expect((await moderate(s.mod, s.eventId, q.id, 'reject')).status).toBe(200)
    const tomb = await pub.waitFor<QMsg>((m) => isQ(q.id)(m) && m.type === 'question' && m.question.status === 'rejected', { audience: 'public' })
    expect(tomb.question).toMatchObject({ text: '', author: null, status: 'rejected' })
    expect((await list(new Agent(t), s.eventId)).questions).toEqual([])
    await pub.stop()
  })

  it('one question a minute per account (429 with Retry-After); blocked words 422; empty text 400; idempotency keys return the stored question', async () => {
    const s = await stage(t)
    await s.mod.req('PATCH', `/api/events/${s.eventId}/chat/settings`, { blockedWords: ['spoiler'] })
    const v = await viewer(t)
    expect((await ask(v.a, s.eventId, { text: 'No SPOILERS? a Spoiler!' })).body.error).toBe('BLOCKED_WORD')
    expect((await ask(v.a, s.eventId, { text: '   ' })).body.error).toBe('EMPTY_TEXT')
    expect((await ask(v.a, s.eventId, { text: 'x'.repeat(301) })).body.error).toBe('VALIDATION')
    expect((await ask(v.a, s.eventId, { text: 'ok', extra: true })).body.error).toBe('VALIDATION')
    const key = { 'idempotency-key': 'ask-key-0001' }
    const first = await ask(v.a, s.eventId, { text: 'First' }, key)
    expect(first.status).toBe(201)
    const retry = await ask(v.a, s.eventId, { text: 'First' }, key)
    expect([retry.status, retry.body.id]).toEqual([200, first.body.id])
    const second = await ask(v.a, s.eventId, { text: 'Second' })
    expect(second.status).toBe(429)
    expect(second.body.error).toBe('TOO_MANY_REQUESTS')
    expect(Number(second.res.headers['retry-after'])).toBeGreaterThan(0)
    t.clock.advance(60_000)
    expect((await ask(v.a, s.eventId, { text: 'Second' })).status).toBe(201)
    expect((await list(s.mod, s.eventId, '?view=moderation')).questions).toHaveLength(2)
    // Sliding: a question at 59.9 s of a minute leaves none for the start of the next.
    const w = await viewer(t)
    t.clock.advance(60_000 - (t.clock.now() % 60_000) + 59_900)
    expect((await ask(w.a, s.eventId, { text: 'Late in the minute' })).status).toBe(201)
    t.clock.advance(200)
    const edge = await ask(w.a, s.eventId, { text: 'Next minute already?' })
    expect([edge.status, edge.body.error, edge.res.headers['retry-after']]).toEqual([429, 'TOO_MANY_REQUESTS', '60'])
    t.clock.advance(59_800)
    expect((await ask(w.a, s.eventId, { text: 'Next minute already?' })).status).toBe(201)
  })

  it('banned and timed-out users cannot ask or upvote', async () => {
    const s = await stage(t)
    const v = await viewer(t)
    expect((await s.mod.req('POST', `/api/events/${s.eventId}/chat/timeouts`, { userId: v.id, durationSec: 60 })).status).toBe(200)
    const r = await ask(v.a, s.eventId, { text: 'hello?' })
    expect([r.status, r.body.error]).toEqual([403, 'TIMED_OUT'])
    expect(r.body.until).toBe(new Date(t.clock.now() + 60_000).toISOString())
    expect(r.res.headers['retry-after']).toBe('60')
    expect((await v.a.req('POST', `/api/events/${s.eventId}/questions/q_none/upvotes`)).body.error).toBe('TIMED_OUT')
    expect((await s.mod.req('POST', `/api/events/${s.eventId}/chat/bans`, { userId: v.id })).status).toBe(200)
    expect((await ask(v.a, s.eventId, { text: 'hello?' })).body.error).toBe('BANNED')
    expect((await s.mod.req('DELETE', `/api/events/${s.eventId}/chat/bans/${v.id}`)).status).toBe(200)
    expect((await ask(v.a, s.eventId, { text: 'hello?' })).status).toBe(201)
  })

  it('moderation: roles and 2FA are required, transitions are checked, answered is stamped, everything audited', async () => {
    const s = await stage(t)
    const v = await viewer(t)
    const q = (await ask(v.a, s.eventId, { text: 'What time is it?' })).body as unknown as Question
    expect((await moderate(v.a, s.eventId, q.id, 'approve')).body.error).toBe('FORBIDDEN')
    const noTotp = await withRole(t, s, 'moderator', { totp: false })
    expect((await moderate(noTotp.a, s.eventId, q.id, 'approve')).body.error).toBe('TOTP_ENROLLMENT_REQUIRED')
    const otherStage = await stage(t)
    expect((await moderate(otherStage.mod, s.eventId, q.id, 'approve')).body.error).toBe('FORBIDDEN')
    expect((await moderate(otherStage.mod, otherStage.eventId, q.id, 'approve')).body.error).toBe('QUESTION_NOT_FOUND')
    expect((await moderate(s.mod, s.eventId, q.id, 'explode')).body.error).toBe('VALIDATION')

    const mod = await withRole(t, s, 'moderator', { totp: true })
    const pin = await moderate(mod.a, s.eventId, q.id, 'pin')
    expect([pin.status, pin.body.error]).toEqual([409, 'QUESTION_NOT_APPROVED'])
    expect((await moderate(mod.a, s.eventId, q.id, 'approve')).status).toBe(200)
    expect((await moderate(mod.a, s.eventId, q.id, 'pin')).body).toMatchObject({ pinned: true })
    t.clock.advance(1234)
    const answeredAt = new Date(t.clock.now()).toISOString()
    const pub = await collectPublished(t.ctx.kv, s.eventId)
    expect((await moderate(mod.a, s.eventId, q.id, 'answer')).body).toMatchObject({ answeredAt, pinned: true })
    expect((await pub.waitFor<QMsg>(isQ(q.id), { audience: 'public' })).question.answeredAt).toBe(answeredAt)
    t.clock.advance(5000)
    expect((await moderate(mod.a, s.eventId, q.id, 'answer')).body).toMatchObject({ answeredAt })
    expect((await moderate(mod.a, s.eventId, q.id, 'unpin')).body).toMatchObject({ pinned: false })
    await pub.stop()
    const audit = await auditOf(t, s.eventId, 'qa.moderate')
    expect(audit.map((a) => `${a.result}:${a.target.split(':')[1] ?? ''}:${a.detail}`)).toEqual([
      'denied:approve:FORBIDDEN',
      'denied:approve:TOTP_ENROLLMENT_REQUIRED',
      'denied:approve:FORBIDDEN',
      'denied:pin:QUESTION_NOT_APPROVED',
      'ok:approve:',
      'ok:pin:',
      'ok:answer:',
      'ok:answer:unchanged',
      'ok:unpin:',
    ])
  })

  it('upvotes: one per account, approved questions only; counts merge per tick into question.votes; top and new order', async () => {
    const s = await stage(t)
    await s.mod.req('PATCH', `/api/events/${s.eventId}/chat/settings`, { qaPremoderation: false })
    const voters = await Promise.all([1, 2, 3].map(() => viewer(t)))
    const ids: string[] = []
    for (const [i, v] of voters.entries()) {
      ids.push(((await ask(v.a, s.eventId, { text: `Question ${String(i)}` })).body as unknown as Question).id)
      t.clock.advance(1000)
    }
    const [q0, q1, q2] = ids as [string, string, string]
    const up = (v: (typeof voters)[number], id: string) => v.a.req('POST', `/api/events/${s.eventId}/questions/${id}/upvotes`)
    const [v0, v1, v2] = voters as [(typeof voters)[number], (typeof voters)[number], (typeof voters)[number]]
    expect((await up(v0, q1)).body).toEqual({ questionId: q1, upvotes: 1 })
    expect((await up(v0, q1)).body.error).toBe('ALREADY_UPVOTED')
    expect((await up(v1, q1)).body).toEqual({ questionId: q1, upvotes: 2 })
    expect((await up(v2, q2)).status).toBe(201)
    expect((await up(v2, 'q_unknown')).body.error).toBe('QUESTION_NOT_FOUND')

    const top = await list(v0.a, s.eventId, '?sort=top')
    expect(top.questions.map((q) => q.id)).toEqual([q1, q2, q0])
    expect(top.upvoted).toEqual([q1])
    expect((await list(v0.a, s.eventId, '?sort=new')).questions.map((q) => q.id)).toEqual([q2, q1, q0])
    await moderate(s.mod, s.eventId, q0, 'pin')
    expect((await list(v0.a, s.eventId, '?sort=top')).questions.map((q) => q.id)).toEqual([q0, q1, q2])

    // Counts cross instances through kv once per tick, as totals from the database.
    const now = t.clock.now()
    await tickWindows(t.ctx).flush(now)
    const out = await tickWindows(t.ctx).read(s.eventId, now + 2 * W)
    expect(out.votes).toEqual({ type: 'question.votes', counts: { [q1]: 2, [q2]: 1 } })
    expect((await tickWindows(t.ctx).read(s.eventId, now + 2 * W)).votes).toBeNull()

    await moderate(s.mod, s.eventId, q2, 'reject')
    expect((await up(v0, q2)).body.error).toBe('QUESTION_NOT_FOUND')
  })

  it('upvote floods are capped per account (429) and the moderation view is for moderators only', async () => {
    const s = await stage(t)
    const v = await viewer(t)
    t.clock.advance(60_000 - (t.clock.now() % 60_000))
    for (let i = 0; i < t.ctx.config.upvotesPerAccountPerMin; i++) expect((await v.a.req('POST', `/api/events/${s.eventId}/questions/q_${String(i)}/upvotes`)).status).toBe(404)
    const r = await v.a.req('POST', `/api/events/${s.eventId}/questions/q_more/upvotes`)
    expect([r.status, r.body.error, r.res.headers['retry-after']]).toEqual([429, 'TOO_MANY_REQUESTS', '60'])
    expect((await v.a.req('GET', `/api/events/${s.eventId}/questions?view=moderation`)).body.error).toBe('FORBIDDEN')
    expect((await v.a.req('GET', `/api/events/${s.eventId}/questions?sort=hot`)).body.error).toBe('VALIDATION')
  })
  it('after the event has ended: asking and upvoting are 409 EVENT_ENDED; lists and moderation still work', async () => {
    const s = await stage(t)
    const v = await viewer(t)
    await s.mod.req('PATCH', `/api/events/${s.eventId}/chat/settings`, { qaPremoderation: false })
    const q = (await ask(v.a, s.eventId, { text: 'Asked in time?' })).body as unknown as Question
    await endEvent(s)
    const late = await ask(v.a, s.eventId, { text: 'Too late?' })
    expect([late.status, late.body.error]).toEqual([409, 'EVENT_ENDED'])
    const up = await (await viewer(t)).a.req('POST', `/api/events/${s.eventId}/questions/${q.id}/upvotes`)
    expect([up.status, up.body.error]).toEqual([409, 'EVENT_ENDED'])
    expect((await list(new Agent(t), s.eventId)).questions.map((x) => x.text)).toEqual(['Asked in time?'])
    expect((await moderate(s.mod, s.eventId, q.id, 'answer')).status).toBe(200)
  })
})
