import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import type { ChatMessage, Poll } from '../../common/wire/interaction.ts'
import { insertTestEvent } from './test-support.ts'
import { TestSocket } from './test-client.ts'
import { gatewayFixture, type GatewayFixture } from './test-gateway.ts'

const backend = process.env.DATABASE_URL !== undefined && process.env.DATABASE_URL !== '' ? 'postgres+redis' : 'embedded'
const PAD = 'x'.repeat(60_000)

const bigPoll = (eventId: string, n: number): Poll => ({
  id: `p${String(n)}`, eventId, status: 'open', question: PAD, options: [], totalVotes: 0, audience: 'everyone', durationSec: null,
  openedAt: null, closesAt: null, closedAt: null, votesAcceptedUntil: null, final: false, createdAt: '2026-01-01T12:00:00.000Z',
})
const bigChat = (eventId: string, n: number): ChatMessage => ({ id: `big${String(n)}`, eventId, author: { userId: 'u', displayName: 'U' }, text: PAD, createdAt: '2026-01-01T12:00:00.000Z' })
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

describe.each(['uws', 'ws'] as const)(`gateway backpressure on %s (${backend})`, (transport) => {
  let f: GatewayFixture
  beforeAll(async () => {
    f = await gatewayFixture(transport, [], { gatewayDropAboveBytes: 65_536, gatewayCloseAboveBytes: 262_144 })
  })
  afterAll(async () => f.close())

  it('a client that stops reading first loses tick snapshots, then is closed on ordered items; it resumes without a loss', async () => {
    const { eventId } = await insertTestEvent(f.t.ctx.db)
    await f.append(eventId, 2)
    const fast = await TestSocket.connect(f.url(eventId))
    const slow = await TestSocket.connect(f.url(eventId))
    for (const s of [fast, slow]) {
      await s.next((m) => m.type === 'hello')
      s.send({ type: 'resume', afterSeq: 0 })
      await s.count((m) => m.type === 'chat', 2)
    }
    const raw = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket
    raw.pause()
    // Tick snapshots until the socket buffers of the stalled connection are full: it is only taken
    // off the ticks (the next snapshot would repair a lost one), not closed.
    for (let i = 0; i < 150; i++) {
      f.gw.hub.hooks.broadcastLocal(eventId, { type: 'poll', poll: bigPoll(eventId, i) })
      f.gw.hub.sweepSlow()
      await pause(5)
    }
    expect(f.gw.hub.connections).toBe(2)
    const metrics = await (await fetch(`http://127.0.0.1:${String(f.gw.port)}/metrics`)).text()
    expect(metrics).toMatch(/gateway_slow_total\{[^}]*\} [1-9]/)
    // Ordered items are never skipped: past the limit the stalled connection is closed instead.
    for (let n = 0; n < 12 && f.gw.hub.connections === 2; n++) {
      await f.t.ctx.realtime.withFeed(eventId, async (_q, append) => append({ public: { type: 'chat', message: bigChat(eventId, n) }, moderators: { type: 'chat', message: bigChat(eventId, n) } }))
      f.gw.hub.sweepSlow()
      await pause(20)
    }
    expect(f.gw.hub.connections).toBe(1)
    const appended = Math.max(...(await f.append(eventId, 1)))
    await fast.next((m) => m.type === 'chat' && m.seq === appended, 10_000)
    expect(fast.seqs()).toEqual(Array.from({ length: appended }, (_, i) => i + 1))
    raw.resume()
    await slow.closed
    // It reconnects and resumes from the last seq it applied: nothing ordered is lost.
    const last = Math.max(...slow.seqs())
    const again = await TestSocket.connect(f.url(eventId))
    await again.next((m) => m.type === 'hello')
    again.send({ type: 'resume', afterSeq: last })
    await again.next((m) => m.type === 'chat' && m.seq === appended)
    expect([...slow.seqs(), ...again.seqs()]).toEqual(Array.from({ length: appended }, (_, i) => i + 1))
    await again.close()
    await fast.close()
  })
})
