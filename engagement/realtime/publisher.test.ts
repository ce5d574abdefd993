import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { makeApp, type TestApp } from '../test-support.ts'
import { createLogger } from '../../common/log.ts'
import type { ChatMessage } from '../../common/wire/interaction.ts'
import { collectPublished, insertTestEvent } from './test-support.ts'
import { lastFeedSeq, lastFeedSeqs, readFeed } from './feed.ts'
import { createRealtimePublisher } from './publisher.ts'
import type { FeedDraft } from './types.ts'

const chat = (eventId: string, id: string): ChatMessage => ({ id, eventId, author: { userId: 'u1', displayName: 'Ann' }, text: `hello ${id}`, createdAt: '2026-01-01T12:00:00.000Z' })
const chatDraft = (eventId: string, id: string): FeedDraft => ({ public: { type: 'chat', message: chat(eventId, id) }, moderators: { type: 'chat', message: chat(eventId, id) } })

describe(`realtime publisher (${process.env.DATABASE_URL !== undefined && process.env.DATABASE_URL !== '' ? 'postgres+redis' : 'embedded'})`, () => {
  let t: TestApp
  beforeAll(async () => {
    t = await makeApp()
    await t.ctx.db.exec('CREATE TABLE rt_effect_test (id text PRIMARY KEY)')
  })
  afterAll(async () => t.close())

  it('sequences items per event inside the caller transaction and publishes them after commit', async () => {
    const { eventId } = await insertTestEvent(t.ctx.db)
    const pub = await collectPublished(t.ctx.kv, eventId)
    const seqs = await t.ctx.realtime.withFeed(eventId, async (q, append) => {
      await q.query('INSERT INTO rt_effect_test (id) VALUES ($1)', [`${eventId}-a`])
      const a = await append(chatDraft(eventId, 'm1'))
      // A pending question: moderators only.
      const b = await append({ public: null, moderators: { type: 'moderation', action: 'report', messageId: 'm1', reason: 'spam' } })
      return [a, b]
    })
    expect(seqs).toEqual([1, 2])
    await pub.waitFor((m) => m.type === 'moderation')
    expect(pub.items().map((i) => i.seq)).toEqual([1, 2])
    expect(pub.public()).toEqual([{ type: 'chat', seq: 1, message: chat(eventId, 'm1') }])
    expect(pub.moderators().map((m) => [m.type, 'seq' in m ? m.seq : null])).toEqual([['chat', 1], ['moderation', 2]])
    expect(await lastFeedSeq(t.ctx.db, eventId)).toBe(2)
    const rows = await readFeed(t.ctx.db, eventId, 0, 10, 100)
    expect(rows).toEqual(pub.items())
    await pub.stop()
  })

  it('a failed effect rolls back its feed row and its seq, and publishes nothing', async () => {
    const { eventId } = await insertTestEvent(t.ctx.db)
    const pub = await collectPublished(t.ctx.kv, eventId)
    await t.ctx.realtime.withFeed(eventId, async (_q, append) => append(chatDraft(eventId, 'm1')))
    await expect(
      t.ctx.realtime.withFeed(eventId, async (q, append) => {
        await append(chatDraft(eventId, 'm2'))
        await q.query('INSERT INTO rt_effect_test (id) VALUES ($1)', ['dup'])
        await q.query('INSERT INTO rt_effect_test (id) VALUES ($1)', ['dup'])
      }),
    ).rejects.toThrow()
    expect(await t.ctx.db.query('SELECT id FROM rt_effect_test WHERE id = $1', ['dup'])).toEqual([])
    const next = await t.ctx.realtime.withFeed(eventId, async (_q, append) => append(chatDraft(eventId, 'm3')))
    expect(next).toBe(2)
    await pub.waitFor((m) => m.type === 'chat' && m.seq === 2)
    expect(pub.items().map((i) => [i.seq, i.moderators.type === 'chat' ? i.moderators.message.id : ''])).toEqual([[1, 'm1'], [2, 'm3']])
    await pub.stop()
  })

  it('concurrent appends to one event get distinct, gap-free seqs; events count independently', async () => {
    const a = await insertTestEvent(t.ctx.db)
    const b = await insertTestEvent(t.ctx.db)
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) => t.ctx.realtime.withFeed(i % 3 === 0 ? b.eventId : a.eventId, async (_q, append) => append(chatDraft(a.eventId, `c${String(i)}`)))),
    )
    const seqA = results.filter((_, i) => i % 3 !== 0).sort((x, y) => x - y)
    const seqB = results.filter((_, i) => i % 3 === 0).sort((x, y) => x - y)
    expect(seqA).toEqual(Array.from({ length: 16 }, (_, i) => i + 1))
    expect(seqB).toEqual(Array.from({ length: 8 }, (_, i) => i + 1))
    const last = await lastFeedSeqs(t.ctx.db, [a.eventId, b.eventId, 'no-such-event'])
    expect(Object.fromEntries(last)).toEqual({ [a.eventId]: 16, [b.eventId]: 8, 'no-such-event': 0 })
    expect((await readFeed(t.ctx.db, a.eventId, 10, 14, 100)).map((r) => r.seq)).toEqual([11, 12, 13, 14])
    expect((await readFeed(t.ctx.db, a.eventId, 10, 16, 2)).map((r) => r.seq)).toEqual([11, 12])
  })

  it('publish sends unordered messages to everyone or to moderators only', async () => {
    const { eventId } = await insertTestEvent(t.ctx.db)
    const pub = await collectPublished(t.ctx.kv, eventId)
    await t.ctx.realtime.publish(eventId, { type: 'presence', viewers: 3 })
    await t.ctx.realtime.publish(eventId, { type: 'question.votes', counts: { q1: 2 } }, 'moderators')
    await pub.waitFor((m) => m.type === 'question.votes')
    expect(pub.public()).toEqual([{ type: 'presence', viewers: 3 }])
    expect(pub.moderators()).toEqual([{ type: 'presence', viewers: 3 }, { type: 'question.votes', counts: { q1: 2 } }])
    await pub.stop()
  })

  it('a bus that fails to publish never fails the committed effect', async () => {
    const { eventId } = await insertTestEvent(t.ctx.db)
    const broken = { ...t.ctx.kv, sPublish: async () => Promise.reject(new Error('bus down')) }
    const realtime = createRealtimePublisher(t.ctx.db, broken, createLogger('rt-test', 'silent'))
    expect(await realtime.withFeed(eventId, async (_q, append) => append(chatDraft(eventId, 'x')))).toBe(1)
    await realtime.publish(eventId, { type: 'presence', viewers: 1 })
    expect((await readFeed(t.ctx.db, eventId, 0, 1, 10)).length).toBe(1)
  })
})
