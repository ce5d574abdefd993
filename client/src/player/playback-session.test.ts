// Playback sessions in the client: validation, fetch fallbacks, per-angle swarm ids and session reuse.
import { describe, expect, it } from 'vitest'
import { angleSwarmId, fetchPlaybackSession, parsePlaybackSession, peersFromSession, sessionPlacement, type PlaybackSession } from './playback-session.ts'
import { coreConfigFor } from './delivery-config.ts'

const GOOD = {
  playbackSessionId: 'p-123',
  originBaseUrl: 'https://origin.example/',
  trackerUrl: 'wss://t2.example/e/demo?token=abc.def.ghi',
  swarmId: 'swarmstage:demo/v4:a000000/16/0',
  cell: 'demo/v4:a000000/16/0',
  trackerToken: 'abc.def.ghi',
  expiresAt: '2026-12-02T20:00:00.000Z',
  iceServers: [{ urls: 'stun:stun.example:3478' }, { nope: 1 }],
}

const json = (body: unknown, status = 201, type = 'application/json'): Response => new Response(JSON.stringify(body), { status, headers: { 'content-type': type } })

describe('parsePlaybackSession', () => {
  it('keeps what the player needs', () => {
    expect(parsePlaybackSession(GOOD)).toEqual({
      playbackSessionId: 'p-123',
      originBaseUrl: 'https://origin.example',
      trackerUrl: GOOD.trackerUrl,
      swarmId: GOOD.swarmId,
      cell: GOOD.cell,
      expiresAtMs: Date.parse(GOOD.expiresAt),
      iceServers: [{ urls: ['stun:stun.example:3478'] }],
    })
  })

  it.each([
    ['not an object', 'hello'],
    ['null', null],
    ['an http tracker URL', { ...GOOD, trackerUrl: 'https://t.example/e/demo' }],
    ['a tracker URL that is no URL', { ...GOOD, trackerUrl: 'ws://' }],
    ['no swarm id', { ...GOOD, swarmId: '' }],
    ['a huge swarm id', { ...GOOD, swarmId: 'x'.repeat(257) }],
    ['a javascript: origin', { ...GOOD, originBaseUrl: 'javascript:alert(1)' }],
    ['a bad expiry', { ...GOOD, expiresAt: 'soon' }],
    ['a numeric session id', { ...GOOD, playbackSessionId: 7 }],
  ])('refuses %s', (_n, raw) => {
    expect(parsePlaybackSession(raw)).toBeNull()
  })
})

describe('fetchPlaybackSession', () => {
  it('POSTs to the event and parses the answer', async () => {
    const calls: [string, RequestInit | undefined][] = []
    const fetchFn = (async (url: string, init?: RequestInit) => {
      calls.push([url, init])
      return json(GOOD)
    }) as typeof fetch
    expect((await fetchPlaybackSession('demo', fetchFn))?.trackerUrl).toBe(GOOD.trackerUrl)
    expect(calls[0]?.[0]).toBe('/api/events/demo/playback-sessions')
    expect(calls[0]?.[1]?.method).toBe('POST')
  })

  it.each([
    ['a refusal', async () => json({ error: 'EVENT_NOT_FOUND', message: 'no' }, 404)],
    ['a static server answering HTML', async () => new Response('<!doctype html>', { status: 200, headers: { 'content-type': 'text/html' } })],
    ['a network error', async () => { throw new TypeError('failed to fetch') }],
    ['broken JSON', async () => new Response('{', { status: 201, headers: { 'content-type': 'application/json' } })],
    ['a malformed session', async () => json({ ...GOOD, trackerUrl: 5 })],
  ])('is null on %s (the caller falls back to the client config)', async (_n, impl) => {
    expect(await fetchPlaybackSession('demo', impl as unknown as typeof fetch)).toBeNull()
  })

  it('is null when the server does not answer in time', async () => {
    const hang = ((_u: string, init?: RequestInit) => new Promise<Response>((_ok, fail) => init?.signal?.addEventListener('abort', () => fail(new Error('aborted'))))) as typeof fetch
    expect(await fetchPlaybackSession('demo', hang, 50)).toBeNull()
  })
})

describe('peer settings from a session', () => {
  const session = parsePlaybackSession(GOOD) as PlaybackSession

  it('the tracker URL (with its token) is the only announce URL and the cell swarm id is the core swarmId', () => {
    const peers = peersFromSession(session, 'wide')
    const core = coreConfigFor('live', 'tuned', peers, { swarmId: peers.swarmId ?? '', peerId: '-SS0100-abcdefghijkl' })
    expect(core?.announceTrackers).toEqual([GOOD.trackerUrl])
    expect(core?.swarmId).toBe(`${GOOD.swarmId}|wide`)
    expect(core?.rtcConfig).toEqual({ iceServers: [{ urls: ['stun:stun.example:3478'] }] })
  })

  it('angles of one cell get different swarm ids (the library then splits each by variant)', () => {
    expect(angleSwarmId(GOOD.swarmId, 'wide')).not.toBe(angleSwarmId(GOOD.swarmId, 'close'))
  })
})

describe('sessionPlacement', () => {
  const make = (sessions: (PlaybackSession | null)[]) => {
    let clock = Date.parse('2026-12-02T18:00:00Z')
    const asked: string[] = []
    const place = sessionPlacement('demo', {
      now: () => clock,
      fetchSession: async (event) => {
        asked.push(event)
        return sessions.shift() ?? null
      },
    })
    return { place, asked, advance: (ms: number) => void (clock += ms) }
  }
  const s = (id: string): PlaybackSession => ({ ...(parsePlaybackSession(GOOD) as PlaybackSession), playbackSessionId: id, trackerUrl: `wss://t.example/e/demo?token=${id}` })

  it('a new angle gets a fresh session; the same angle again reuses it', async () => {
    const { place, asked } = make([s('one'), s('two')])
    expect((await place('wide'))?.trackerUrls).toEqual(['wss://t.example/e/demo?token=one'])
    expect((await place('wide'))?.trackerUrls).toEqual(['wss://t.example/e/demo?token=one'])
    expect((await place('close'))?.trackerUrls).toEqual(['wss://t.example/e/demo?token=two'])
    expect(asked).toEqual(['demo', 'demo'])
  })

  it('a token near expiry is renewed', async () => {
    const { place, asked, advance } = make([s('one'), s('two')])
    await place('wide')
    advance(2 * 3600_000 - 60_000)
    expect((await place('wide'))?.trackerUrls).toEqual(['wss://t.example/e/demo?token=two'])
    expect(asked).toHaveLength(2)
  })

  it('is null when no session can be had, and asks again next time', async () => {
    const { place, asked } = make([null, s('later')])
    expect(await place('wide')).toBeNull()
    expect((await place('wide'))?.swarmId).toBe(`${GOOD.swarmId}|wide`)
    expect(asked).toHaveLength(2)
  })
})
