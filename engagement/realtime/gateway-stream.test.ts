import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { createLogger } from '../../common/log.ts'
import type { ServerMessage } from '../../common/wire/realtime.ts'
import { insertTestEvent } from './test-support.ts'
import { createRealtimePublisher } from './publisher.ts'
import { TestSocket } from './test-client.ts'
import { chatItem, gatewayFixture, type GatewayFixture } from './test-gateway.ts'
import type { GatewayFeature } from './gateway.ts'

const backend = process.env.DATABASE_URL !== undefined && process.env.DATABASE_URL !== '' ? 'postgres+redis' : 'embedded'
const isChat = (m: ServerMessage): boolean => m.type === 'chat'

// The snapshot a gap is followed by: a feature contributes the chat it holds.
const snapshotFeature: GatewayFeature = (hooks) => {
  hooks.onSnapshot(async (eventId) => ({ chat: [chatItem(eventId, 999).message] }))
}

describe.each(['uws', 'ws'] as const)(`gateway ordered stream on %s (${backend})`, (transport) => {
  let f: GatewayFixture
  beforeAll(async () => {
    f = await gatewayFixture(transport, [snapshotFeature])
  })
  afterAll(async () => f.close())

  it('says hello first: event, newest seq, server time, role and user', async () => {
    const { eventId } = await insertTestEvent(f.t.ctx.db)
    await f.append(eventId, 2)
    const s = await TestSocket.connect(f.url(eventId))
    const hello = await s.next((m) => m.type === 'hello')
    expect(s.got[0]).toBe(hello)
    expect(hello).toEqual({ type: 'hello', eventId, seq: 2, serverTime: f.t.clock.now(), role: 'guest', userId: null })
    await s.close()
  })

  it('an item appended through withFeed reaches subscribers on another instance, in order', async () => {
    const { eventId } = await insertTestEvent(f.t.ctx.db)
    const b = await f.second()
    const onA = await TestSocket.connect(f.url(eventId))
    const onB = await TestSocket.connect(f.url(eventId, undefined, b.gw))
    for (const s of [onA, onB]) {
      await s.next((m) => m.type === 'hello')
      s.send({ type: 'resume', afterSeq: 0 })
    }
    // Written through instance B's publisher; A's subscriber gets it over the bus, and vice versa.
    await b.ctx.realtime.withFeed(eventId, async (_q, append) => append(chatItem(eventId, 1).draft))
    await f.append(eventId, 1, 2)
    for (const s of [onA, onB]) {
      await s.count(isChat, 2)
      expect(s.seqs()).toEqual([1, 2])
      expect(s.got.filter(isChat).map((m) => (m.type === 'chat' ? m.message.text : ''))).toEqual(['message 1', 'message 2'])
    }
    await onA.close()
    await onB.close()
  })

  it('an item whose bus message was lost is delivered by the hole fill, in order; a lost tail by the tail check', async () => {
    const { eventId } = await insertTestEvent(f.t.ctx.db)
    const s = await TestSocket.connect(f.url(eventId))
    await s.next((m) => m.type === 'hello')
    s.send({ type: 'resume', afterSeq: 0 })
    await new Promise((r) => setTimeout(r, 50))
    let drop = true
    const lossy = { ...f.t.ctx.kv, sPublish: async (ch: string, msg: string) => (drop ? undefined : f.t.ctx.kv.sPublish(ch, msg)) }
    const realtime = createRealtimePublisher(f.t.ctx.db, lossy, createLogger('lossy', 'silent'))
    await realtime.withFeed(eventId, async (_q, append) => append(chatItem(eventId, 1).draft))
    drop = false
    await realtime.withFeed(eventId, async (_q, append) => append(chatItem(eventId, 2).draft))
    await s.count(isChat, 2)
    expect(s.seqs()).toEqual([1, 2])
    // Nothing follows seq 3 on the bus: only the tail check (every 200 ms here) can find it.
    drop = true
    await realtime.withFeed(eventId, async (_q, append) => append(chatItem(eventId, 3).draft))
    await s.count(isChat, 3, 5000)
    expect(s.seqs()).toEqual([1, 2, 3])
    await s.close()
  })

  it('a client that reconnects and resumes gets exactly the items it missed, then the live ones', async () => {
    const { eventId } = await insertTestEvent(f.t.ctx.db)
    const first = await TestSocket.connect(f.url(eventId))
    await first.next((m) => m.type === 'hello')
    first.send({ type: 'resume', afterSeq: 0 })
    await f.append(eventId, 3)
    await first.count(isChat, 3)
    await first.close()
    // Missed while away: 4..9 (more than the ring of 4 holds, so part comes from the feed table).
    await f.append(eventId, 6)
    const again = await TestSocket.connect(f.url(eventId))
    const hello = await again.next((m) => m.type === 'hello')
    expect(hello).toMatchObject({ seq: 9 })
    again.send({ type: 'resume', afterSeq: 3 })
    await again.count(isChat, 6)
    await f.append(eventId, 2)
    await again.count(isChat, 8)
    expect(again.seqs()).toEqual([4, 5, 6, 7, 8, 9, 10, 11])
    await new Promise((r) => setTimeout(r, 100))
    expect(again.seqs()).toEqual([4, 5, 6, 7, 8, 9, 10, 11])
    await again.close()
  })

  it('items appended while a client waits to resume are held, not sent ahead of the replay', async () => {
    const { eventId } = await insertTestEvent(f.t.ctx.db)
    await f.append(eventId, 2)
    const s = await TestSocket.connect(f.url(eventId))
    await s.next((m) => m.type === 'hello')
    await f.append(eventId, 2)
    await new Promise((r) => setTimeout(r, 30))
    s.send({ type: 'resume', afterSeq: 1 })
    await s.count(isChat, 3)
    expect(s.seqs()).toEqual([2, 3, 4])
    await s.close()
  })

  it('without a resume the stream starts at hello after the wait', async () => {
    const { eventId } = await insertTestEvent(f.t.ctx.db)
    await f.append(eventId, 2)
    const s = await TestSocket.connect(f.url(eventId))
    await s.next((m) => m.type === 'hello')
    await f.append(eventId, 1)
    await s.count(isChat, 1)
    expect(s.seqs()).toEqual([3])
    await s.close()
  })

  it('a resume that comes after the stream started from hello gets gap + snapshot, never a silent hole', async () => {
    const quick = await gatewayFixture(transport, [snapshotFeature], { gatewayResumeWaitMs: 50 })
    try {
      const { eventId } = await insertTestEvent(quick.t.ctx.db)
      await quick.append(eventId, 3)
      const s = await TestSocket.connect(quick.url(eventId))
      await s.next((m) => m.type === 'hello')
      await new Promise((r) => setTimeout(r, 200))
      await quick.append(eventId, 1)
      await s.count(isChat, 1)
      // The client had only seq 1: 2 and 3 cannot come after 4, so it starts over.
      s.send({ type: 'resume', afterSeq: 1 })
      await s.next((m) => m.type === 'snapshot')
      expect(s.got.map((m) => m.type).filter((t) => t !== 'presence')).toEqual(['hello', 'chat', 'gap', 'snapshot'])
      expect(s.got.find((m) => m.type === 'snapshot')).toMatchObject({ seq: 4 })
      // A later resume from what it has is an ordinary one.
      s.send({ type: 'resume', afterSeq: 4 })
      await quick.append(eventId, 1)
      await s.count(isChat, 2)
      expect(s.seqs()).toEqual([4, 5])
      await s.close()
    } finally {
      await quick.close()
    }
  })

  it('a resume older than the history window gets gap, then a snapshot, then the live items', async () => {
    const { eventId } = await insertTestEvent(f.t.ctx.db)
    await f.append(eventId, 15)
    const s = await TestSocket.connect(f.url(eventId))
    await s.next((m) => m.type === 'hello')
    s.send({ type: 'resume', afterSeq: 2 })
    const snapshot = await s.next((m) => m.type === 'snapshot')
    await f.append(eventId, 1)
    await s.count(isChat, 1)
    // Presence may arrive at any point on a slow machine; the order of the rest is what matters.
    const got = s.got.filter((m) => m.type !== 'presence')
    expect(got.map((m) => m.type)).toEqual(['hello', 'gap', 'snapshot', 'chat'])
    expect(got[1]).toEqual({ type: 'gap', afterSeq: 2, oldestSeq: 6 })
    expect(snapshot).toEqual({ type: 'snapshot', seq: 15, polls: [], questions: [], chat: [chatItem(eventId, 999).message], settings: { slowModeSec: 0, qaPremoderation: true, blockedWords: [] } })
    expect(s.seqs()).toEqual([16])
    // The oldest resumable seq replays rather than gaps.
    const edge = await TestSocket.connect(f.url(eventId))
    await edge.next((m) => m.type === 'hello')
    edge.send({ type: 'resume', afterSeq: 6 })
    await edge.count(isChat, 10)
    expect(edge.seqs()).toEqual([7, 8, 9, 10, 11, 12, 13, 14, 15, 16])
    expect(edge.got.some((m) => m.type === 'gap')).toBe(false)
    await s.close()
    await edge.close()
  })

  it('a resume from beyond the feed (another database) gets gap + snapshot too', async () => {
    const { eventId } = await insertTestEvent(f.t.ctx.db)
    await f.append(eventId, 1)
    const s = await TestSocket.connect(f.url(eventId))
    await s.next((m) => m.type === 'hello')
    s.send({ type: 'resume', afterSeq: 500 })
    await s.next((m) => m.type === 'snapshot')
    expect(s.got.map((m) => m.type).filter((t) => t !== 'presence')).toEqual(['hello', 'gap', 'snapshot'])
    await s.close()
  })

  it('the audience gets nothing of moderator-only items (public seqs have holes)', async () => {
    const { eventId } = await insertTestEvent(f.t.ctx.db)
    // Moderator connections (real accounts) are in gateway-access.test.ts.
    const pub = await TestSocket.connect(f.url(eventId))
    await pub.next((m) => m.type === 'hello')
    pub.send({ type: 'resume', afterSeq: 0 })
    await f.t.ctx.realtime.withFeed(eventId, async (_q, append) => append({ public: null, moderators: { type: 'moderation', action: 'report', messageId: 'm1', reason: 'spam' } }))
    await f.append(eventId, 1)
    await pub.count(isChat, 1)
    await new Promise((r) => setTimeout(r, 50))
    expect(pub.got.map((m) => m.type).filter((t) => t !== 'presence')).toEqual(['hello', 'chat'])
    expect(pub.seqs()).toEqual([2])
    await pub.close()
  })
})
