// The gateway connection over real sockets (a scripted `ws` server): hello offset, resume after a drop, gap + snapshot, votes with ack and the REST fallback.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { WebSocket, ScriptedGateway } from './scripted-gateway.ts'
import type { ServerMessage } from '../../../common/wire/realtime.ts'
import { RealtimeConnection, backoffMs, eventSocketUrl, parseServerMessage, type LinkState, type SocketLike, type VoteResult } from './connection.ts'
import type { EventState } from './state.ts'

const hello = (seq: number, serverTime: number): ServerMessage => ({ type: 'hello', eventId: 'ev', seq, serverTime, role: 'viewer', userId: 'u1' })
const chat = (seq: number, id: string): ServerMessage => ({ type: 'chat', seq, message: { id, eventId: 'ev', author: { userId: 'u2', displayName: 'v2' }, text: id, createdAt: '2026-12-03T10:00:00Z' } })

async function until(what: string, fn: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

let gw: ScriptedGateway
let conn: RealtimeConnection | null = null
let state: EventState
let statuses: LinkState[]
let restVotes: [string, string][]
let restAnswer: VoteResult

function connect(over: Partial<ConstructorParameters<typeof RealtimeConnection>[0]> = {}): RealtimeConnection {
  conn = new RealtimeConnection({
    url: eventSocketUrl(gw.url, 'ev'),
    socket: (url) => new WebSocket(url) as unknown as SocketLike,
    onState: (s) => (state = s),
    onLink: (s) => statuses.push(s),
    voteOverRest: (p, o) => {
      restVotes.push([p, o])
      return Promise.resolve(restAnswer)
    },
    baseBackoffMs: 20,
    maxBackoffMs: 50,
    random: () => 0.5,
    ...over,
  })
  conn.start()
  return conn
}

beforeEach(async () => {
  gw = new ScriptedGateway()
  await gw.listening()
  statuses = []
  restVotes = []
  restAnswer = { ok: true, already: false }
})

afterEach(async () => {
  conn?.stop()
  conn = null
  await gw.close()
})

describe('RealtimeConnection', () => {
  it('hello gives the clock offset and, with history on the server, a resume from 0; items build the state', async () => {
    gw.onClient = (_ws, i) => gw.send(i, hello(2, Date.now() + 60_000))
    const c = connect()
    await until('resume', () => gw.received[0]?.length === 1)
    expect(gw.urls[0]).toBe('/v1/events/ev')
    expect(gw.received[0]).toEqual([{ type: 'resume', afterSeq: 0 }])
    expect(Math.abs(c.serverOffsetMs - 60_000)).toBeLessThan(1000)
    gw.send(0, chat(1, 'a'))
    gw.send(0, chat(2, 'b'))
    await until('two lines', () => state?.chat.length === 2)
    expect(state.seq).toBe(2)
    expect(state.role).toBe('viewer')
    expect(statuses).toContain('open')
  })

  it('reconnects after a drop and resumes after the last seq it has; the overlap is not applied twice', async () => {
    gw.onClient = (_ws, i) => gw.send(i, hello(i === 0 ? 0 : 3, Date.now()))
    connect()
    await until('first socket', () => gw.sockets.length === 1)
    gw.send(0, chat(1, 'a'))
    await until('a', () => state?.seq === 1)
    gw.sockets[0]?.terminate()
    await until('second socket', () => gw.sockets.length === 2 && (gw.received[1]?.length ?? 0) > 0)
    expect(gw.received[1]?.[0]).toEqual({ type: 'resume', afterSeq: 1 })
    expect(statuses).toContain('reconnecting')
    // The server answers the resume with 1..3 (1 again: resumes may overlap).
    for (const m of [chat(1, 'a'), chat(2, 'b'), chat(3, 'c')]) gw.send(1, m)
    await until('c', () => state.seq === 3)
    expect(state.chat.map((m) => m.id)).toEqual(['a', 'b', 'c'])
  })

  it('gap then snapshot replaces the state', async () => {
    gw.onClient = (_ws, i) => gw.send(i, hello(9000, Date.now()))
    connect()
    await until('resume', () => gw.received[0]?.length === 1)
    gw.send(0, chat(5, 'old'))
    gw.send(0, { type: 'gap', afterSeq: 0, oldestSeq: 100 })
    gw.send(0, { type: 'snapshot', seq: 9000, polls: [], questions: [], chat: [], settings: { slowModeSec: 3, qaPremoderation: true, blockedWords: [] } })
    await until('snapshot', () => state?.based === true)
    expect(state.chat).toEqual([])
    expect(state.seq).toBe(9000)
    expect(state.settings?.slowModeSec).toBe(3)
  })

  it('a vote resolves on its ack; ALREADY_VOTED counts as stored; another refusal is returned', async () => {
    gw.onClient = (ws, i) => {
      gw.send(i, hello(0, Date.now()))
      ws.on('message', (d) => {
        const m = JSON.parse(String(d)) as { type: string; ref: string; optionId: string }
        if (m.type !== 'vote') return
        if (m.optionId === 'a') gw.send(i, { type: 'ack', ref: m.ref })
        else if (m.optionId === 'b') gw.send(i, { type: 'error', ref: m.ref, code: 'ALREADY_VOTED', message: '' })
        else gw.send(i, { type: 'error', ref: m.ref, code: 'POLL_NOT_OPEN', message: '' })
      })
    }
    const c = connect()
    await until('open', () => statuses.includes('open'))
    expect(await c.vote('p1', 'a')).toEqual({ ok: true, already: false })
    expect(await c.vote('p1', 'b')).toEqual({ ok: true, already: true })
    expect(await c.vote('p1', 'z')).toEqual({ ok: false, code: 'POLL_NOT_OPEN' })
    expect(restVotes).toEqual([])
    const frame = gw.received[0]?.find((m) => m.type === 'vote')
    expect(frame).toMatchObject({ type: 'vote', pollId: 'p1', optionId: 'a' })
    expect(typeof frame?.ref).toBe('string')
  })

  it('a vote whose socket drops before the answer is retried over REST (ALREADY_VOTED there is success)', async () => {
    gw.onClient = (ws, i) => {
      gw.send(i, hello(0, Date.now()))
      ws.on('message', (d) => {
        if ((JSON.parse(String(d)) as { type: string }).type === 'vote') ws.terminate()
      })
    }
    restAnswer = { ok: true, already: true }
    const c = connect()
    await until('open', () => statuses.includes('open'))
    expect(await c.vote('p1', 'a')).toEqual({ ok: true, already: true })
    expect(restVotes).toEqual([['p1', 'a']])
  })

  it('a vote without an answer in time goes over REST; with no socket open it goes there at once', async () => {
    gw.onClient = (_ws, i) => gw.send(i, hello(0, Date.now()))
    const c = connect({ voteTimeoutMs: 100 })
    await until('open', () => statuses.includes('open'))
    expect(await c.vote('p1', 'a')).toEqual({ ok: true, already: false })
    expect(restVotes).toEqual([['p1', 'a']])
    c.stop()
    expect(await c.vote('p1', 'b')).toEqual({ ok: true, already: false })
    expect(restVotes).toHaveLength(2)
  })

  it('pings while open, and a silent connection is closed and reopened', async () => {
    let now = Date.now()
    gw.onClient = (_ws, i) => gw.send(i, hello(0, Date.now()))
    connect({ pingIntervalMs: 50, now: () => now })
    await until('a ping', () => (gw.received[0] ?? []).some((m) => m.type === 'ping'))
    now += 1000
    await until('a second socket', () => gw.sockets.length === 2)
  })

  it('reactions go out as one frame with a count; nothing is sent before the socket opens', async () => {
    gw.onClient = (_ws, i) => gw.send(i, hello(0, Date.now()))
    const c = connect()
    expect(c.react('🔥', 3)).toBe(false)
    await until('open', () => statuses.includes('open'))
    expect(c.react('🔥', 3)).toBe(true)
    expect(c.react('👏', 1)).toBe(true)
    await until('two frames', () => (gw.received[0] ?? []).filter((m) => m.type === 'react').length === 2)
    expect(gw.received[0]?.filter((m) => m.type === 'react')).toEqual([{ type: 'react', emoji: '🔥', count: 3 }, { type: 'react', emoji: '👏' }])
  })
})

describe('pure helpers', () => {
  it('backoff doubles to a cap with half jitter', () => {
    expect(backoffMs(0, 0)).toBe(250)
    expect(backoffMs(0, 1)).toBe(500)
    expect(backoffMs(3, 0.5)).toBe(3000)
    expect(backoffMs(50, 1)).toBe(30_000)
    expect(backoffMs(50, 0)).toBe(15_000)
  })

  it('socket URL and token', () => {
    expect(eventSocketUrl('wss://rt.example/', 'gig-1')).toBe('wss://rt.example/v1/events/gig-1')
    expect(eventSocketUrl('ws://h:8082', 'ev', 'a.b+c')).toBe('ws://h:8082/v1/events/ev?token=a.b%2Bc')
  })

  it('frames: table of what is accepted', () => {
    const table: [unknown, boolean][] = [
      ['{"type":"pong"}', true],
      ['{"type":"chat","seq":3,"message":{}}', true],
      ['{"type":"chat","seq":-1}', false],
      ['{"type":"chat"}', false],
      ['{"type":"nope"}', false],
      ['[1,2]', false],
      ['not json', false],
      [new ArrayBuffer(2), false],
    ]
    for (const [data, ok] of table) expect(parseServerMessage(data) !== null, String(data)).toBe(ok)
  })
})
