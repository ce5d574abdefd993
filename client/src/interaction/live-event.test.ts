// LiveEvent over a real socket: a poll opened at T appears when the playhead reaches T (at once without video); taps leave as one frame per emoji; own votes are remembered.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Poll } from '../../../common/wire/interaction.ts'
import type { SocketLike } from '../realtime/connection.ts'
import { ScriptedGateway, WebSocket } from '../realtime/scripted-gateway.ts'
import { InteractionApi } from './api.ts'
import { LiveEvent, type LiveView } from './live-event.ts'

const T = Date.parse('2026-12-03T12:00:00Z')
const poll = (over: Partial<Poll> = {}): Poll => ({
  id: 'p1', eventId: 'ev', status: 'open', question: 'Encore?', audience: 'everyone', durationSec: null,
  options: [{ id: 'y', text: 'Yes', votes: 0 }, { id: 'n', text: 'No', votes: 0 }], totalVotes: 0,
  openedAt: new Date(T).toISOString(), closesAt: null, closedAt: null, votesAcceptedUntil: null, final: false, createdAt: new Date(T - 60_000).toISOString(), ...over,
})

/** The REST side the LiveEvent uses (listPolls on connect, votePoll as fallback), answered without a server. */
class NoRestApi extends InteractionApi {
  override listPolls(): ReturnType<InteractionApi['listPolls']> {
    return Promise.resolve({ ok: true, status: 200, data: { polls: [] } })
  }
}

async function until(what: string, fn: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

let gw: ScriptedGateway
let live: LiveEvent | null = null
let view: LiveView

function start(opts: { sync: boolean; playhead?: () => number | null; storage?: Map<string, string> }): LiveEvent {
  const store = opts.storage
  live = new LiveEvent({
    eventId: 'ev',
    realtimeUrl: gw.url,
    sync: opts.sync,
    ...(opts.playhead ? { playheadMs: opts.playhead } : {}),
    socket: (url) => new WebSocket(url) as unknown as SocketLike,
    api: new NoRestApi(),
    storage: store ? { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => void store.set(k, v) } : null,
  })
  live.subscribe((v) => (view = v))
  live.start()
  return live
}

beforeEach(async () => {
  gw = new ScriptedGateway()
  await gw.listening()
  gw.onClient = (_ws, i) => gw.send(i, { type: 'hello', eventId: 'ev', seq: 0, serverTime: Date.now(), role: 'viewer', userId: 'u1' })
})

afterEach(async () => {
  live?.stop()
  live = null
  await gw.close()
})

describe('LiveEvent', () => {
  it('holds a poll opened at T while the playhead is 2.7 s behind, and shows it when the playhead reaches T', async () => {
    let playhead: number | null = T - 2700
    start({ sync: true, playhead: () => playhead })
    await until('connected', () => view.link === 'open')
    gw.send(0, { type: 'poll', poll: poll() })
    await until('poll in the state', () => view.state.polls.p1 !== undefined)
    expect(view.polls.p1).toBeUndefined()
    // The countdown clock is the playhead while video plays.
    await until('view clock on the playhead', () => view.viewNowMs === Math.floor((T - 2700) / 1000) * 1000)
    playhead = T + 10
    await until('poll shown', () => view.polls.p1 !== undefined)
    expect(view.polls.p1?.question).toBe('Encore?')
  })

  it('without a playing video (playhead null) and for moderators (no sync) the poll shows at once', async () => {
    start({ sync: true, playhead: () => null })
    await until('connected', () => view.link === 'open')
    gw.send(0, { type: 'poll', poll: poll() })
    await until('shown', () => view.polls.p1 !== undefined)
    live?.stop()
    live = null
    start({ sync: false, playhead: () => T - 60_000 })
    await until('second connection', () => gw.sockets.length === 2 && view.link === 'open')
    gw.send(1, { type: 'poll', poll: poll() })
    await until('shown unsynced', () => view.polls.p1 !== undefined)
  })

  it('taps within one tick leave as one react frame per emoji with the count, and draw at once', async () => {
    start({ sync: true, playhead: () => null })
    await until('connected', () => view.link === 'open')
    for (let i = 0; i < 5; i++) live?.react('🔥')
    live?.react('👏')
    expect(view.sprites.length).toBe(6)
    await until('frames', () => (gw.received[0] ?? []).filter((m) => m.type === 'react').length >= 2)
    await new Promise((r) => setTimeout(r, 300))
    // In the set's order, one frame each.
    expect((gw.received[0] ?? []).filter((m) => m.type === 'react')).toEqual([{ type: 'react', emoji: '👏' }, { type: 'react', emoji: '🔥', count: 5 }])
  })

  it('a crowd burst from the server waits for the playhead like a poll, then draws sprites', async () => {
    let playhead = T - 3000
    start({ sync: true, playhead: () => playhead })
    await until('connected', () => view.link === 'open')
    gw.send(0, { type: 'reactions', at: T, counts: { '🎉': 16 } })
    await new Promise((r) => setTimeout(r, 400))
    expect(view.sprites).toHaveLength(0)
    playhead = T
    await until('sprites', () => view.sprites.length === 5)
  })

  it('a stored vote is marked and remembered across pages of the same browser', async () => {
    gw.onClient = (ws, i) => {
      gw.send(i, { type: 'hello', eventId: 'ev', seq: 0, serverTime: Date.now(), role: 'viewer', userId: 'u1' })
      ws.on('message', (d) => {
        const m = JSON.parse(String(d)) as { type: string; ref?: string }
        if (m.type === 'vote' && m.ref !== undefined) gw.send(i, { type: 'ack', ref: m.ref })
      })
    }
    const storage = new Map<string, string>()
    const l = start({ sync: false, storage })
    await until('connected', () => view.link === 'open')
    expect(await l.vote('p1', 'y')).toEqual({ ok: true, already: false })
    expect(view.myVotes).toEqual({ p1: 'y' })
    l.stop()
    live = null
    start({ sync: false, storage })
    expect(view.myVotes).toEqual({ p1: 'y' })
  })
})
