// Reactions end to end on one app: the react operation and its refusals, the merge of several instances through kv, the gateway hooks.
import { describe, it, expect, afterAll } from 'vitest'
import type { ReactMsg, ServerMessage } from '../../../common/wire/realtime.ts'
import { Agent, makeApp } from '../../test-support.ts'
import type { Audience, GatewayHooks, RealtimeConn, SnapshotPart } from '../../realtime/types.ts'
import { registerTalkGateway } from '../talk.ts'
import { endEvent, stage, viewer } from '../talk-test-support.ts'
import { TickWindows, tickWindows } from './tick-windows.ts'

/** The hooks a gateway hands to features, recorded (the gateway's own tests drive them over real sockets). */
function recordingHooks(local: () => string[]) {
  const sent: { eventId: string; msg: ServerMessage; audience: Audience }[] = []
  const ticks: ((now: number) => Promise<void> | void)[] = []
  const reacts: ((c: RealtimeConn, m: ReactMsg) => Promise<ServerMessage | null>)[] = []
  const snaps: ((e: string, c: RealtimeConn) => Promise<SnapshotPart>)[] = []
  const hooks: GatewayHooks = {
    broadcastLocal: (eventId, msg, audience = 'public') => void sent.push({ eventId, msg, audience }),
    localEvents: local,
    onTick: (fn) => void ticks.push(fn),
    onVote: () => undefined,
    onReact: (fn) => void reacts.push(fn),
    onSnapshot: (fn) => void snaps.push(fn),
  }
  return { hooks, sent, tick: async (now: number) => { for (const f of ticks) await f(now) }, react: (c: RealtimeConn, m: ReactMsg) => (reacts[0] as (typeof reacts)[number])(c, m), snapshot: (e: string, c: RealtimeConn) => (snaps[0] as (typeof snaps)[number])(e, c) }
}

describe('reactions', async () => {
  const t = await makeApp()
  afterAll(() => t.close())
  const W = t.ctx.config.gatewayTickMs
  const react = (a: Agent, eventId: string, body: unknown) => a.req('POST', `/api/events/${eventId}/reactions`, body)

  it('react takes emoji of the fixed set from signed-in, unrestricted viewers, with a per-account frame cap', async () => {
    const s = await stage(t)
    const v = await viewer(t)
    expect((await react(v.a, s.eventId, { emoji: '🔥' })).status).toBe(202)
    expect((await react(v.a, s.eventId, { emoji: '🔥', count: 50 })).status).toBe(202)
    for (const bad of [{ emoji: '💩' }, { emoji: '🔥', count: 0 }, { emoji: '🔥', count: 51 }, { emoji: '🔥', extra: 1 }, {}]) {
      expect((await react(v.a, s.eventId, bad)).body.error).toBe('VALIDATION')
    }
    expect((await react(v.a, 'no-such-event', { emoji: '🔥' })).body.error).toBe('EVENT_NOT_FOUND')
    expect((await react(new Agent(t), s.eventId, { emoji: '🔥' })).status).toBe(401)
    const capped = await viewer(t)
    t.clock.advance(10_000 - (t.clock.now() % 10_000))
    for (let i = 0; i < t.ctx.config.reactionFramesPerAccountPer10s; i++) expect((await react(capped.a, s.eventId, { emoji: '👏' })).status).toBe(202)
    const over = await react(capped.a, s.eventId, { emoji: '👏' })
    expect([over.status, over.body.error, over.res.headers['retry-after']]).toEqual([429, 'TOO_MANY_REQUESTS', '10'])
    await s.mod.req('POST', `/api/events/${s.eventId}/chat/bans`, { userId: v.id })
    expect((await react(v.a, s.eventId, { emoji: '🔥' })).body.error).toBe('BANNED')
  })

  it('counts of several instances merge through kv: one reactions message per event per tick with the sum', async () => {
    const s = await stage(t)
    // Three instances' in-memory tallies over the same store (their own TickWindows, as separate processes would have).
    const instances = [new TickWindows(t.ctx), new TickWindows(t.ctx), new TickWindows(t.ctx)]
    const reader = new TickWindows(t.ctx)
    const base = Math.floor(t.clock.now() / W) * W + 10 * W
    const taps: [number, string, number][] = [[0, '🔥', 3], [1, '🔥', 4], [2, '😂', 1], [0, '👏', 2], [1, '😂', 5]]
    for (const [i, emoji, n] of taps) instances[i]?.reactions.add(s.eventId, emoji, n)
    await Promise.all(instances.map((x) => x.flush(base + 10)))
    // Nothing is read before the window has settled; then exactly once.
    expect((await reader.read(s.eventId, base + W)).reactions).toBeNull()
    const out = await reader.read(s.eventId, base + 2 * W)
    expect(out.reactions).toEqual({ type: 'reactions', at: base + W, counts: { '🔥': 7, '😂': 6, '👏': 2 } })
    expect((await reader.read(s.eventId, base + 2 * W + 10)).reactions).toBeNull()
    // Late taps go to the next window and come with the next read.
    instances[2]?.reactions.add(s.eventId, '🎉', 9)
    await instances[2]?.flush(base + W + 5)
    expect((await reader.read(s.eventId, base + 3 * W)).reactions).toEqual({ type: 'reactions', at: base + 2 * W, counts: { '🎉': 9 } })
  })

  it('gateway hooks: socket reacts are checked like REST ones; each tick flushes and broadcasts once per local event; snapshots carry questions, chat and settings', async () => {
    const s = await stage(t)
    const quiet = await stage(t)
    const v = await viewer(t)
    await s.mod.req('PATCH', `/api/events/${s.eventId}/chat/settings`, { qaPremoderation: false, blockedWords: ['secretword'] })
    await v.a.req('POST', `/api/events/${s.eventId}/questions`, { text: 'Public question', anonymous: true })
    await v.a.req('POST', `/api/events/${s.eventId}/chat/messages`, { text: 'hi all' })
    const rec = recordingHooks(() => [s.eventId, quiet.eventId])
    registerTalkGateway(rec.hooks, t.ctx)
    const conn = (userId: string | null, role: RealtimeConn['role'] = userId === null ? 'guest' : 'viewer'): RealtimeConn => ({ eventId: s.eventId, userId, role, addressGroup: '10.0.0.1' })

    expect(await rec.react(conn(null), { type: 'react', emoji: '🔥' })).toMatchObject({ type: 'error', code: 'UNAUTHENTICATED' })
    for (let i = 0; i < 10; i++) expect(await rec.react(conn(v.id), { type: 'react', emoji: '🔥', count: 5 })).toBeNull()
    // The app's own flush timer writes at the app clock's time too, so the ticks follow that clock.
    const base = Math.floor(t.clock.now() / W) * W
    await rec.tick(base)
    await rec.tick(base + W)
    await rec.tick(base + 2 * W)
    const reactions = rec.sent.filter((x) => x.msg.type === 'reactions')
    expect(reactions).toEqual([{ eventId: s.eventId, audience: 'public', msg: { type: 'reactions', at: base + W, counts: { '🔥': 50 } } }])

    const banned = await viewer(t)
    await s.mod.req('POST', `/api/events/${s.eventId}/chat/timeouts`, { userId: banned.id, durationSec: 60 })
    expect(await rec.react(conn(banned.id), { type: 'react', emoji: '🔥' })).toMatchObject({ type: 'error', code: 'TIMED_OUT' })

    const audience = await rec.snapshot(s.eventId, conn(null))
    expect(audience.settings).toEqual({ slowModeSec: 0, qaPremoderation: false, blockedWords: [] })
    expect(audience.questions?.map((q) => [q.text, q.author])).toEqual([['Public question', null]])
    expect(audience.chat?.map((m) => m.text)).toEqual(['hi all'])
    const mods = await rec.snapshot(s.eventId, conn(s.modId, 'moderator'))
    expect(mods.settings?.blockedWords).toEqual(['secretword'])
    expect(mods.questions?.[0]?.author?.userId).toBe(v.id)
    await tickWindows(t.ctx).flush(t.clock.now())
  })

  it('after the event has ended, react is 409 EVENT_ENDED over REST and an EVENT_ENDED error frame from the socket hook', async () => {
    const s = await stage(t)
    const v = await viewer(t)
    const rec = recordingHooks(() => [s.eventId])
    registerTalkGateway(rec.hooks, t.ctx)
    const conn: RealtimeConn = { eventId: s.eventId, userId: v.id, role: 'viewer', addressGroup: '10.0.0.1' }
    expect(await rec.react(conn, { type: 'react', emoji: '🔥' })).toBeNull()
    await endEvent(s)
    const r = await react(v.a, s.eventId, { emoji: '🔥' })
    expect([r.status, r.body.error]).toEqual([409, 'EVENT_ENDED'])
    expect(await rec.react(conn, { type: 'react', emoji: '🔥' })).toMatchObject({ type: 'error', code: 'EVENT_ENDED' })
    await tickWindows(t.ctx).flush(t.clock.now())
  })
})
