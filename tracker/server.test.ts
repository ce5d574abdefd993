import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SignJWT } from 'jose'
import { startTracker, type RunningTracker } from './server.ts'
import { loadTrackerConfig } from './config.ts'
import { RawClient } from './test-client.ts'
import { encodeClientAnnounce, encodeClientAnswer, encodeClientScrape } from './protocol/encode.ts'
import { createLogger } from '../common/log.ts'
import { shardOf } from './core/shard-protocol.ts'

const log = createLogger('tracker-test', 'silent')
const bin = (seed: number): string => Array.from({ length: 20 }, (_, i) => String.fromCharCode((seed * 37 + i * 59) % 256)).join('')
const SDP = 'v=0\r\no=- 42 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n'.repeat(30)
const SECRET = 'integration-secret-0123456789abcdef'

function offers(n: number, seed: number): { offerId: string; offer: { type: 'offer'; sdp: string } }[] {
  return Array.from({ length: n }, (_, i) => ({ offerId: bin(seed * 10 + i), offer: { type: 'offer', sdp: `${SDP}a=x-${i}\r\n` } }))
}

// Every transport with the core in this thread (workers 0) and sharded over two worker threads.
const MODES = (['uws', 'ws'] as const).flatMap((transport) => [0, 2].map((workers) => ({ transport, workers })))

describe.each(MODES)('tracker over $transport with workers=$workers', ({ transport, workers }) => {
  let tracker: RunningTracker
  let url: string
  const clients: RawClient[] = []
  const connect = async (path = '/', headers: Record<string, string> = {}): Promise<RawClient> => {
    const c = await RawClient.connect(`${url}${path}`, headers)
    clients.push(c)
    return c
  }

  beforeAll(async () => {
    const config = loadTrackerConfig({
      overrides: { port: 0, host: '127.0.0.1', transport, workers, rateLimitPerSec: 20, rateLimitBurst: 40, maxMessageBytes: 65536, maxConnections: 40, maxPeersPerConnection: 4, jwtSecret: SECRET, allowedOrigins: ['*'] },
    })
    tracker = await startTracker(config, log)
    url = `ws://127.0.0.1:${tracker.port}`
  })
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()))
    await tracker.close()
  })

  it('uses the transport it was asked for', () => {
    expect(tracker.transport).toBe(transport)
  })

  it('join, offer forwarded, answer relayed with binary ids and exact SDP', async () => {
    const ih = bin(1)
    const a = await connect()
    const b = await connect()
    a.send(encodeClientAnnounce({ infoHash: ih, peerId: bin(2), event: 'started', offers: offers(5, 1) }))
    expect(await a.next((f) => f.interval !== undefined)).toEqual({ action: 'announce', interval: 60, info_hash: ih, complete: 0, incomplete: 1 })
    const bOffers = offers(5, 2)
    b.send(encodeClientAnnounce({ infoHash: ih, peerId: bin(3), event: 'started', offers: bOffers }))
    expect(await b.next((f) => f.interval !== undefined)).toMatchObject({ incomplete: 2 })
    const forwarded = await a.next((f) => f.offer !== undefined)
    expect(forwarded).toEqual({ action: 'announce', info_hash: ih, peer_id: bin(3), offer_id: bOffers[0]?.offerId, offer: bOffers[0]?.offer })
    a.send(encodeClientAnswer(ih, bin(2), bin(3), bOffers[0]?.offerId ?? '', { type: 'answer', sdp: SDP }))
    expect(await b.next((f) => f.answer !== undefined)).toEqual({ action: 'announce', info_hash: ih, peer_id: bin(2), offer_id: bOffers[0]?.offerId, answer: { type: 'answer', sdp: SDP } })
    // Only one other peer: exactly one offer went out.
    await new Promise((r) => setTimeout(r, 100))
    expect(a.frames.filter((f) => f.offer !== undefined)).toHaveLength(0)
    expect(b.frames.filter((f) => f.offer !== undefined)).toHaveLength(0)
  })

  it('scrape, stop and close keep counts right; late answers are ignored without closing', async () => {
    const ih = bin(5)
    const a = await connect()
    const b = await connect()
    a.send(encodeClientAnnounce({ infoHash: ih, peerId: bin(6), event: 'started', offers: [] }))
    b.send(encodeClientAnnounce({ infoHash: ih, peerId: bin(7), offers: [] }))
    await a.next((f) => f.interval !== undefined)
    await b.next((f) => f.interval !== undefined)
    a.send(encodeClientScrape([ih]))
    expect(await a.next((f) => f.action === 'scrape')).toEqual({ action: 'scrape', files: { [ih]: { complete: 0, incomplete: 2, downloaded: 0 } }, flags: { min_request_interval: 60 } })
    b.send(encodeClientAnnounce({ infoHash: ih, peerId: bin(7), event: 'stopped' }))
    await b.next((f) => f.interval !== undefined)
    a.send(encodeClientScrape([ih]))
    expect(await a.next((f) => f.action === 'scrape')).toMatchObject({ files: { [ih]: { incomplete: 1 } } })
    await a.close()
    b.send(encodeClientAnswer(ih, bin(7), bin(6), bin(8), { type: 'answer', sdp: 'late' }))
    b.send(encodeClientScrape([ih]))
    expect(await b.next((f) => f.action === 'scrape')).toMatchObject({ files: { [ih]: { incomplete: 0 } } })
    expect(b.closeCode).toBeUndefined()
  })

  it('a scrape of swarms on different shards comes back whole and in order', async () => {
    const hashes = [bin(40), bin(41), bin(42), bin(43), bin(44), bin(45)]
    // The test means something only if the hashes live on both shards.
    expect(new Set(hashes.map((h) => shardOf('', h, 2))).size).toBe(2)
    const joined = hashes.filter((_, i) => i % 2 === 0)
    const a = await connect()
    const b = await connect()
    joined.forEach((ih, i) => a.send(encodeClientAnnounce({ infoHash: ih, peerId: bin(50 + i), offers: [] })))
    joined.forEach((ih, i) => b.send(encodeClientAnnounce({ infoHash: ih, peerId: bin(60 + i), offers: [] })))
    for (let i = 0; i < joined.length; i++) await b.next((f) => f.interval !== undefined)
    b.send(encodeClientScrape(hashes))
    const reply = await b.next((f) => f.action === 'scrape')
    expect(Object.keys(reply.files as object)).toEqual(hashes)
    expect(reply.files).toEqual(Object.fromEntries(hashes.map((h, i) => [h, { complete: 0, incomplete: i % 2 === 0 ? 2 : 0, downloaded: 0 }])))
  })

  it('the per-connection membership limit holds across shards', async () => {
    const hashes = Array.from({ length: 8 }, (_, i) => bin(70 + i))
    expect(new Set(hashes.map((h) => shardOf('', h, 2))).size).toBe(2)
    const c = await connect()
    hashes.forEach((ih, i) => c.send(encodeClientAnnounce({ infoHash: ih, peerId: bin(80 + i), offers: [] })))
    const got = []
    for (let i = 0; i < hashes.length; i++) got.push(await c.next((f) => f.interval !== undefined || f['failure reason'] !== undefined))
    const joined = got.filter((f) => f.interval !== undefined).map((f) => f.info_hash as string)
    expect(joined).toHaveLength(4)
    expect(got.filter((f) => f['failure reason'] === 'too many swarms on one connection')).toHaveLength(4)
    // Leaving one makes room for exactly one more, wherever its shard is.
    const left = joined[0] ?? ''
    c.send(encodeClientAnnounce({ infoHash: left, peerId: bin(80 + hashes.indexOf(left)), event: 'stopped' }))
    await c.next((f) => f.interval !== undefined && f.info_hash === left)
    const other = hashes.find((h) => !joined.includes(h)) ?? ''
    c.send(encodeClientAnnounce({ infoHash: other, peerId: bin(90), offers: [] }))
    expect(await c.next((f) => f.info_hash === other)).toMatchObject({ interval: 60, incomplete: 1 })
    const stats = await tracker.freshStats()
    expect(stats.topSwarms.filter((s) => hashes.map((h) => Buffer.from(h, 'latin1').toString('hex')).includes(s.infoHash))).toHaveLength(4)
    expect(c.closeCode).toBeUndefined()
  })

  it('malformed JSON and wrong types are dropped; the sender and others keep being served', async () => {
    const ih = bin(9)
    const bad = await connect()
    const good = await connect()
    for (const junk of ['{not json', '[]', '{"action":"connect"}', `{"action":"announce","info_hash":"${'x'.repeat(20)}","peer_id":5}`, '\u0000\u0001']) bad.send(junk)
    expect(await bad.next((f) => f['failure reason'] !== undefined)).toMatchObject({ action: 'announce', info_hash: 'x'.repeat(20) })
    bad.send(encodeClientAnnounce({ infoHash: ih, peerId: bin(10), offers: [] }))
    expect(await bad.next((f) => f.interval !== undefined)).toMatchObject({ incomplete: 1 })
    good.send(encodeClientAnnounce({ infoHash: ih, peerId: bin(11), offers: offers(2, 3) }))
    expect(await good.next((f) => f.interval !== undefined)).toMatchObject({ incomplete: 2 })
    expect(await bad.next((f) => f.offer !== undefined)).toMatchObject({ peer_id: bin(11) })
    expect(bad.closeCode).toBeUndefined()
    expect(tracker.stats().rejectedMessages).toBeGreaterThanOrEqual(5)
  })

  it('a text frame that is not UTF-8 closes only its connection; a binary one is rejected by the parser', async () => {
    const ih = bin(19)
    // A well-formed announce whose SDP holds a byte that never occurs in UTF-8: the parser does
    // not look inside SDP, so only the transport's text-frame check can stop it.
    const frame = Buffer.from(encodeClientAnnounce({ infoHash: ih, peerId: bin(20), offers: offers(1, 7) }))
    frame[frame.indexOf('v=0')] = 0xff
    const listener = await connect()
    listener.send(encodeClientAnnounce({ infoHash: ih, peerId: bin(21), offers: [] }))
    await listener.next((f) => f.interval !== undefined)
    const text = await connect()
    text.sendBytes(frame, false)
    // ws closes with 1007; uWS cuts the TCP connection outright (the client sees 1006).
    expect([1006, 1007]).toContain(await text.closed())
    const binary = await connect()
    const rejectedBefore = tracker.stats().rejectedByCode.NOT_UTF8 ?? 0
    binary.sendBytes(frame, true)
    binary.send(encodeClientScrape([ih]))
    expect(await binary.next((f) => f.action === 'scrape')).toMatchObject({ files: { [ih]: { incomplete: 1 } } })
    expect(tracker.stats().rejectedByCode.NOT_UTF8).toBe(rejectedBefore + 1)
    expect(listener.frames.some((f) => f.offer !== undefined)).toBe(false)
    expect(binary.closeCode).toBeUndefined()
  })

  it('an oversized frame closes only its connection', async () => {
    const big = await connect()
    const other = await connect()
    big.send(encodeClientAnnounce({ infoHash: bin(12), peerId: bin(13), offers: [{ offerId: bin(14), offer: { type: 'offer', sdp: 'x'.repeat(70_000) } }] }))
    // ws closes with 1009; uWS cuts the TCP connection outright (the client sees 1006).
    expect([1006, 1009]).toContain(await big.closed())
    other.send(encodeClientScrape([bin(12)]))
    expect(await other.next((f) => f.action === 'scrape')).toMatchObject({ files: { [bin(12)]: { incomplete: 0 } } })
  })

  it('a flood is cut by the rate limit while others keep being served', async () => {
    const flood = await connect()
    const other = await connect()
    for (let i = 0; i < 200; i++) flood.send(encodeClientScrape([bin(15)]))
    expect(await flood.closed()).toBe(1008)
    other.send(encodeClientScrape([bin(15)]))
    expect(await other.next((f) => f.action === 'scrape')).toMatchObject({ action: 'scrape' })
  })

  it('admission tokens: bad ones are refused, the event claim must match the path', async () => {
    await expect(connect('/?token=not-a-jwt')).rejects.toThrow('HTTP 401')
    const token = await new SignJWT({ event: 'evt-1' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1m').sign(new TextEncoder().encode(SECRET))
    await expect(connect(`/e/evt-2?token=${token}`)).rejects.toThrow('HTTP 403')
    const ok = await connect(`/e/evt-1?token=${token}`)
    const plain = await connect('/')
    ok.send(encodeClientAnnounce({ infoHash: bin(16), peerId: bin(17), offers: [] }))
    plain.send(encodeClientAnnounce({ infoHash: bin(16), peerId: bin(18), offers: [] }))
    // Namespaces isolate the same info_hash.
    expect(await ok.next((f) => f.interval !== undefined)).toMatchObject({ incomplete: 1 })
    expect(await plain.next((f) => f.interval !== undefined)).toMatchObject({ incomplete: 1 })
    await expect(connect('/elsewhere')).rejects.toThrow('HTTP 404')
  })

  it('serves /stats, /health and /metrics', async () => {
    const base = `http://127.0.0.1:${tracker.port}`
    const stats = (await (await fetch(`${base}/stats`)).json()) as Record<string, unknown>
    expect(stats).toMatchObject({ transport, workers })
    expect(stats.peers).toEqual(expect.any(Number))
    expect(Array.isArray(stats.topSwarms)).toBe(true)
    expect(await (await fetch(`${base}/health`)).json()).toMatchObject({ status: 'ok', service: 'tracker' })
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('tracker_events_total')
  })
})

describe('tracker origin policy', () => {
  it('refuses to start without an Origin policy outside dev', async () => {
    const config = { ...loadTrackerConfig({ overrides: { port: 0, host: '127.0.0.1', dev: true } }), dev: false }
    await expect(startTracker(config, log)).rejects.toThrow(/TRACKER_ALLOWED_ORIGINS/)
  })

  it('["*"] admits a connection with any Origin or none', async () => {
    const tracker = await startTracker(loadTrackerConfig({ overrides: { port: 0, host: '127.0.0.1', allowedOrigins: ['*'] } }), log)
    const url = `ws://127.0.0.1:${tracker.port}/`
    try {
      const clients = [await RawClient.connect(url, { origin: 'https://anything.example' }), await RawClient.connect(url)]
      await Promise.all(clients.map((c) => c.close()))
    } finally {
      await tracker.close()
    }
  })
})

describe('tracker limits', () => {
  it('refuses foreign origins and connections beyond the cap', async () => {
    const tracker = await startTracker(
      loadTrackerConfig({ overrides: { port: 0, host: '127.0.0.1', allowedOrigins: ['https://ok.example'], maxConnections: 1 } }),
      log,
    )
    const url = `ws://127.0.0.1:${tracker.port}/`
    try {
      await expect(RawClient.connect(url, { origin: 'https://evil.example' })).rejects.toThrow('HTTP 403')
      const first = await RawClient.connect(url, { origin: 'https://ok.example' })
      await expect(RawClient.connect(url, { origin: 'https://ok.example' })).rejects.toThrow('HTTP 503')
      await first.close()
    } finally {
      await tracker.close()
    }
  })
})
