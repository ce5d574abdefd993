import { connect } from 'node:net'
import { gunzipSync } from 'node:zlib'
import { request } from 'node:http'
import uWS from 'uWebSockets.js'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RenditionSpec } from '../contract.ts'
import { packagerConfig } from '../packager/config.ts'
import { createLiveStore, type LiveStore } from '../packager/live-store.ts'
import { loadFixture, synthFragment, synthInit } from '../packager/test-media.ts'
import { type HlsRoutes, registerHlsRoutes, registerNotFound } from './hls-routes.ts'

const fixture = loadFixture('av-160x90.cmaf')
const target = { event: 'demo', angle: 'main' }
const spec = (name: string): RenditionSpec => ({ name, width: 160, height: 90, videoBitrateKbps: 100, audioBitrateKbps: 32, fps: 30 })
const BEGIN_MS = 1_764_000_000_000
const STREAM = BEGIN_MS.toString(36)

let skewMs = 0
const clock = (): number => Date.now() + skewMs
let store: LiveStore
let routes: HlsRoutes | undefined
let listenSocket: uWS.us_listen_socket | false = false
let port = 0
let base = ''
let fed = 0

afterEach(() => {
  routes?.close()
  if (listenSocket !== false) uWS.us_listen_socket_close(listenSocket)
  listenSocket = false
})

/** Feeds `n` fixture fragments (looping) into both renditions. */
function feed(n: number): void {
  for (let i = 0; i < n; i++, fed++) {
    const frag = fixture.fragments[fed % fixture.fragments.length] ?? new Uint8Array(0)
    store.fragment(target, 'hi', frag, BEGIN_MS + Math.round((fed * 1000) / 3))
    store.fragment(target, 'lo', frag, BEGIN_MS + Math.round((fed * 1000) / 3))
  }
}

beforeEach(() => {
  store = createLiveStore(packagerConfig())
  const app = uWS.App()
  routes = registerHlsRoutes(app, store, { clock, sweepMs: 20 })
  registerNotFound(app)
  app.listen('127.0.0.1', 0, (s) => {
    listenSocket = s
  })
  if (listenSocket === false) throw new Error('listen failed')
  port = uWS.us_socket_local_port(listenSocket)
  base = `http://127.0.0.1:${port}/live/demo/main`
  skewMs = 0
  fed = 0
  store.begin(target, [spec('hi'), spec('lo')], BEGIN_MS)
  store.init(target, 'hi', fixture.init)
  store.init(target, 'lo', fixture.init)
})

const get = (path: string, init?: RequestInit): Promise<Response> => fetch(`${base}${path}`, init)
const settledWithin = async <T>(p: Promise<T>, ms: number): Promise<boolean> => Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))])

describe('playlists', () => {
  it('serves the multivariant playlist with codecs and short caching', async () => {
    feed(4)
    const res = await get('/master.m3u8')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/vnd.apple.mpegurl')
    expect(res.headers.get('cache-control')).toBe('public, max-age=1')
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    const text = await res.text()
    expect(text).toContain('CODECS="avc1.64000b,mp4a.40.2"')
    expect(text).toContain('hi/index.m3u8')
  })

  it('answers a plain media playlist at once with max-age=1, Date, Last-Modified, CORS exposing Age', async () => {
    feed(4)
    const res = await get('/hi/index.m3u8')
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('public, max-age=1')
    expect(Date.parse(res.headers.get('date') ?? '')).not.toBeNaN()
    expect(Date.parse(res.headers.get('last-modified') ?? '')).not.toBeNaN()
    expect(res.headers.get('access-control-expose-headers')).toContain('Age')
    expect(res.headers.get('vary')).toBe('Accept-Encoding')
    const text = await res.text()
    expect(text).toContain(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${STREAM}-p4.m4s"`)
    expect(text).toContain('#EXT-X-RENDITION-REPORT:URI="../lo/index.m3u8",LAST-MSN=1,LAST-PART=0')
  })

  it('holds blocking requests and wakes all of them when the part lands', async () => {
    feed(4) // msn 1 has part 0
    const waiting = Array.from({ length: 50 }, () => get('/hi/index.m3u8?_HLS_msn=1&_HLS_part=1'))
    const all = Promise.all(waiting)
    expect(await settledWithin(all, 300)).toBe(false)
    expect(routes?.stats().held).toBe(50)
    feed(1)
    const responses = await all
    for (const res of responses) {
      expect(res.status).toBe(200)
      expect(res.headers.get('cache-control')).toBe('public, max-age=3')
      expect(await res.text()).toContain(`URI="${STREAM}-p5.m4s"`)
    }
    expect(routes?.stats().held).toBe(0)
  })

  it('treats a part past the end of a complete segment as part 0 of the next', async () => {
    feed(3) // segment 0 has parts 0–2, still open
    const p = get('/hi/index.m3u8?_HLS_msn=0&_HLS_part=3')
    expect(await settledWithin(p, 200)).toBe(false)
    feed(1) // keyframe part closes msn 0 and opens msn 1 part 0
    expect((await p).status).toBe(200)
  })

  it.each([
    ['msn more than last + 2', '?_HLS_msn=9', 'MSN_TOO_FAR'],
    ['part without msn', '?_HLS_part=1', 'PART_WITHOUT_MSN'],
    ['part beyond the advance limit', '?_HLS_msn=1&_HLS_part=40', 'PART_TOO_FAR'],
    ['non-numeric msn', '?_HLS_msn=abc', 'must be a non-negative integer'],
    ['bad skip', '?_HLS_skip=maybe', 'YES or v2'],
  ])('400 for %s', async (_l, query, body) => {
    feed(4)
    const res = await get(`/hi/index.m3u8${query}`)
    expect(res.status).toBe(400)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(await res.text()).toContain(body)
  })

  it('503 once a blocking request was held 3 target durations (one shared sweep)', async () => {
    feed(4)
    const p = get('/hi/index.m3u8?_HLS_msn=2')
    expect(await settledWithin(p, 150)).toBe(false)
    skewMs = 2_500
    expect(await settledWithin(p, 150)).toBe(false)
    skewMs = 3_100
    const res = await p
    expect(res.status).toBe(503)
    expect(routes?.stats().expired503).toBe(1)
  })

  it('delta update with _HLS_skip=YES', async () => {
    feed(60) // 20 s
    const text = await (await get('/hi/index.m3u8?_HLS_skip=YES')).text()
    expect(text).toMatch(/#EXT-X-SKIP:SKIPPED-SEGMENTS=\d+/)
    const full = await (await get('/hi/index.m3u8')).text()
    expect(full).not.toContain('EXT-X-SKIP')
    expect(text.length).toBeLessThan(full.length)
  })

  it('gzips playlists when the client accepts it', async () => {
    feed(60)
    const body = await new Promise<{ enc: string | undefined; text: string }>((resolve, reject) => {
      request(`${base}/hi/index.m3u8`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ enc: res.headers['content-encoding'], text: gunzipSync(Buffer.concat(chunks)).toString() }))
      })
        .on('error', reject)
        .end()
    })
    expect(body.enc).toBe('gzip')
    expect(body.text.startsWith('#EXTM3U')).toBe(true)
    const plain = await get('/hi/index.m3u8', { headers: { 'accept-encoding': 'identity' } })
    expect(plain.headers.get('content-encoding')).toBeNull()
  })

  it('ENDLIST answers held playlist requests and ignores blocking parameters', async () => {
    feed(4)
    const held = get('/hi/index.m3u8?_HLS_msn=1&_HLS_part=2')
    expect(await settledWithin(held, 150)).toBe(false)
    store.end(target, BEGIN_MS + 5000)
    const text = await (await held).text()
    expect(text).toMatch(/#EXT-X-ENDLIST\n$/)
    expect((await get('/hi/index.m3u8?_HLS_msn=40&_HLS_part=9')).status).toBe(200)
  })
})

describe('media', () => {
  it('serves parts, segments and init sections as immutable', async () => {
    feed(4)
    for (const [path, bytes] of [
      [`/hi/${STREAM}-p1.m4s`, fixture.fragments[1]],
      [`/hi/${STREAM}-i0.mp4`, fixture.init],
      [`/hi/${STREAM}-s0.m4s`, Buffer.concat(fixture.fragments.slice(0, 3))],
    ] as const) {
      const res = await get(path)
      expect(res.status).toBe(200)
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
      expect(res.headers.get('content-type')).toBe('video/mp4')
      expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(bytes ?? []))).toBe(true)
    }
  })

  it('answers HEAD with the headers and Content-Length of the GET, without a body', async () => {
    feed(4)
    const res = await get(`/hi/${STREAM}-p1.m4s`, { method: 'HEAD' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-length')).toBe(String(fixture.fragments[1]?.byteLength))
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect((await res.arrayBuffer()).byteLength).toBe(0)
    expect((await get('/hi/index.m3u8', { method: 'HEAD' })).status).toBe(200)
    expect((await get(`/hi/${STREAM}-p99.m4s`, { method: 'HEAD' })).status).toBe(404)
  })

  it('holds the hinted part until it is complete, then sends exactly its bytes', async () => {
    feed(4)
    const p = get(`/hi/${STREAM}-p4.m4s`)
    expect(await settledWithin(p, 200)).toBe(false)
    feed(1)
    const res = await p
    expect(res.status).toBe(200)
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(fixture.fragments[4] ?? []))).toBe(true)
  })

  it.each([
    ['a part beyond the hint', `/hi/${STREAM}-p9.m4s`],
    ['another stream id', `/hi/zzz-p1.m4s`],
    ['an unknown rendition', `/xx/${STREAM}-p1.m4s`],
    ['an unknown file', `/hi/evil.txt`],
    ['an unknown angle', '/../other/master.m3u8'],
    ['a path below /live', '/hi/a/b/c'],
  ])('404 for %s', async (_l, path) => {
    feed(4)
    expect((await get(path)).status).toBe(404)
  })

  it('streams a large part to a slow reader under backpressure, byte for byte', async () => {
    const t2 = { event: 'demo', angle: 'big' }
    store.begin(t2, [spec('hi')], BEGIN_MS)
    store.init(t2, 'hi', synthInit(90000))
    const filler = new Uint8Array(6 * 1024 * 1024)
    for (let i = 0; i < filler.length; i++) filler[i] = (i * 31) & 0xff
    new DataView(filler.buffer).setUint32(0, filler.length)
    filler.set([0x66, 0x72, 0x65, 0x65], 4) // a 'free' box the packager skips
    const big = new Uint8Array([...synthFragment(1, 0, 10, 3000, true), ...filler])
    store.fragment(t2, 'hi', big, BEGIN_MS)
    const got = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = []
      const s = connect(port, '127.0.0.1', () => {
        s.write(`GET /live/demo/big/hi/${STREAM}-p0.m4s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
        s.pause()
        setTimeout(() => s.resume(), 300)
      })
      s.on('data', (d: Buffer) => chunks.push(d))
      s.on('end', () => resolve(Buffer.concat(chunks)))
      s.on('error', reject)
    })
    const body = got.subarray(got.indexOf('\r\n\r\n') + 4)
    expect(body.length).toBe(big.length)
    expect(body.equals(Buffer.from(big))).toBe(true)
  })

  it('404 for paths outside /live', async () => {
    expect((await fetch(`http://127.0.0.1:${port}/nope`)).status).toBe(404)
  })
})

describe('angles, CORS, robustness', () => {
  it('lists angles with labels and liveness', async () => {
    store.setAngleLabel('demo', 'main', 'Main stage')
    store.setAngleLabel('demo', 'wide', 'Wide')
    const res = await fetch(`http://127.0.0.1:${port}/live/demo/angles.json`)
    expect(res.headers.get('content-type')).toBe('application/json')
    expect(await res.json()).toEqual({
      event: 'demo',
      angles: [
        { id: 'main', label: 'Main stage', live: true },
        { id: 'wide', label: 'Wide', live: false },
      ],
    })
    expect((await fetch(`http://127.0.0.1:${port}/live/nobody/angles.json`)).status).toBe(404)
  })

  it('answers CORS preflight', async () => {
    const res = await get('/hi/index.m3u8', { method: 'OPTIONS', headers: { origin: 'http://app.example', 'access-control-request-method': 'GET' } })
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-methods')).toContain('GET')
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
  })

  it('survives clients that abort held requests', async () => {
    feed(4)
    for (let i = 0; i < 20; i++) {
      await new Promise<void>((resolve) => {
        const s = connect(port, '127.0.0.1', () => {
          s.write(`GET /live/demo/main/hi/index.m3u8?_HLS_msn=1&_HLS_part=2 HTTP/1.1\r\nHost: x\r\n\r\n`)
          setTimeout(() => (s.destroy(), resolve()), 5)
        })
      })
    }
    await new Promise((r) => setTimeout(r, 50))
    expect(routes?.stats().held).toBe(0)
    feed(2)
    expect((await get('/hi/index.m3u8?_HLS_msn=1&_HLS_part=1')).status).toBe(200)
  })
})
