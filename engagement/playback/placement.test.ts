// Placement end to end: two real trackers, many playback sessions, real WebSocket announces with the issued tokens.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { makeApp, organizer, type TestApp } from '../test-support.ts'
import { startTracker, type RunningTracker } from '../../tracker/server.ts'
import { loadTrackerConfig } from '../../tracker/config.ts'
import { RawClient } from '../../tracker/test-client.ts'
import { encodeClientAnnounce, encodeClientAnswer } from '../../tracker/protocol/encode.ts'
import { createLogger } from '../../common/log.ts'

const SECRET = 'two-tracker-secret-0123456789abcdef0123'
const ORIGIN = { origin: 'http://app.example' }
const SDP = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n'

interface SessionBody {
  playbackSessionId: string
  trackerUrl: string
  swarmId: string
  cell: string
  trackerToken: string
}

/** 20 bytes as the binary string bittorrent-tracker's client sends. */
const bin = (bytes: Buffer): string => bytes.subarray(0, 20).toString('latin1')
/** The info_hash p2p-media-loader 2.3 derives for a variant swarm of `swarmId`. */
const infoHashOf = (swarmId: string): string => bin(createHash('sha1').update(`v2-${swarmId}-main-0`).digest())
const peerIdOf = (s: SessionBody): string => bin(createHash('sha1').update(s.playbackSessionId).digest())

describe('placement across two real trackers', () => {
  const trackers: RunningTracker[] = []
  const clients: RawClient[] = []
  let t: TestApp
  let eventA = ''
  let eventB = ''
  const sessions: SessionBody[] = []

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const config = loadTrackerConfig({ env: {}, overrides: { port: 0, host: '127.0.0.1', logLevel: 'silent', jwtSecret: SECRET, jwtRequired: true, allowedOrigins: [ORIGIN.origin] } })
      trackers.push(await startTracker(config, createLogger('tracker-test', 'silent')))
    }
    t = await makeApp({
      trackerInstances: trackers.map((tr, i) => ({ id: `t${i}`, url: `ws://127.0.0.1:${tr.port}` })),
      trackerJwtSecret: SECRET,
      cellsPerLocality: 2,
    })
    // The trackers check `exp` against the real clock.
    t.clock.advance(Date.now() - t.clock.now())
    eventA = (await organizer(t)).eventId
    eventB = (await organizer(t)).eventId
    // 6 localities (IPv4 /16s) × 6 viewers each.
    for (let loc = 0; loc < 6; loc++) {
      for (let v = 0; v < 6; v++) {
        const r = await t.app.inject({ method: 'POST', url: `/api/events/${eventA}/playback-sessions`, remoteAddress: `10.${loc}.${v}.1` })
        expect(r.statusCode).toBe(201)
        sessions.push(r.json<SessionBody>())
      }
    }
  })
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()))
    for (const tr of trackers) await tr.close()
    await t.close()
  })

  const connect = async (url: string): Promise<RawClient> => {
    const c = await RawClient.connect(url, ORIGIN)
    clients.push(c)
    return c
  }

  it('all viewers of one cell get the same tracker, and both trackers get cells', () => {
    const byCell = new Map<string, Set<string>>()
    for (const s of sessions) {
      const base = s.trackerUrl.split('?')[0] ?? ''
      byCell.set(s.cell, (byCell.get(s.cell) ?? new Set()).add(base))
      expect(s.swarmId).toBe(`swarmstage:${s.cell}`)
    }
    expect(byCell.size).toBeGreaterThan(6)
    for (const urls of byCell.values()) expect(urls.size).toBe(1)
    const used = new Set([...byCell.values()].map((u) => [...u][0]))
    expect(used).toEqual(new Set(trackers.map((tr) => `ws://127.0.0.1:${tr.port}/e/${eventA}`)))
  })

  it('viewers of a cell announce with their tokens on their tracker and see each other', async () => {
    const byCell = new Map<string, SessionBody[]>()
    for (const s of sessions) byCell.set(s.cell, [...(byCell.get(s.cell) ?? []), s])
    const group = [...byCell.values()].sort((a, b) => b.length - a.length)[0] ?? []
    expect(group.length).toBeGreaterThanOrEqual(2)
    const [first, second] = group as [SessionBody, SessionBody]
    const ih = infoHashOf(first.swarmId)
    const a = await connect(first.trackerUrl)
    const b = await connect(second.trackerUrl)
    a.send(encodeClientAnnounce({ infoHash: ih, peerId: peerIdOf(first), event: 'started', offers: [] }))
    expect(await a.next((f) => f.interval !== undefined)).toMatchObject({ info_hash: ih, incomplete: 1 })
    const offerId = bin(Buffer.alloc(20, 7))
    b.send(encodeClientAnnounce({ infoHash: ih, peerId: peerIdOf(second), event: 'started', offers: [{ offerId, offer: { type: 'offer', sdp: SDP } }] }))
    expect(await b.next((f) => f.interval !== undefined)).toMatchObject({ info_hash: ih, incomplete: 2 })
    expect(await a.next((f) => f.offer !== undefined)).toMatchObject({ info_hash: ih, peer_id: peerIdOf(second), offer_id: offerId })
    a.send(encodeClientAnswer(ih, peerIdOf(first), peerIdOf(second), offerId, { type: 'answer', sdp: SDP }))
    expect(await b.next((f) => f.answer !== undefined)).toMatchObject({ info_hash: ih, peer_id: peerIdOf(first), offer_id: offerId })
  })

  it('a viewer of another cell on the other tracker is not in that swarm', async () => {
    const otherTracker = sessions.find((s) => s.trackerUrl.split('?')[0] !== sessions[0]?.trackerUrl.split('?')[0]) as SessionBody
    const c = await connect(otherTracker.trackerUrl)
    const ih = infoHashOf(sessions[0]?.swarmId ?? '')
    c.send(encodeClientAnnounce({ infoHash: ih, peerId: peerIdOf(otherTracker), event: 'started', offers: [] }))
    // Same info_hash, different tracker: it starts a swarm of its own there.
    expect(await c.next((f) => f.interval !== undefined)).toMatchObject({ incomplete: 1 })
  })

  it('refuses a token for event A on event B, and no token at all', async () => {
    const s = sessions[0] as SessionBody
    const base = s.trackerUrl.split('/e/')[0] ?? ''
    await expect(RawClient.connect(`${base}/e/${eventB}?token=${s.trackerToken}`, ORIGIN)).rejects.toThrow('HTTP 403')
    await expect(RawClient.connect(`${base}/e/${eventA}`, ORIGIN)).rejects.toThrow('HTTP 401')
    const b = await t.app.inject({ method: 'POST', url: `/api/events/${eventB}/playback-sessions`, remoteAddress: '10.9.0.1' })
    const okB = b.json<SessionBody>()
    const onB = await connect(okB.trackerUrl)
    expect(onB.closeCode).toBeUndefined()
  })
})
