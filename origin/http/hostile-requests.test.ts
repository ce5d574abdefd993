/**
 * Hostile request lines over raw TCP against the origin's HTTP server (uWebSockets.js): every one
 * gets a 4xx or a closed socket, and the server still serves a normal playlist afterwards.
 */
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadOriginConfig } from '../config.ts'
import { startOrigin, type OriginHandle } from '../server.ts'
import { packagerConfig } from '../packager/config.ts'
import { createLiveStore, type LiveStore } from '../packager/live-store.ts'
import { loadFixture } from '../packager/test-media.ts'
import uWS from 'uWebSockets.js'
import { type HlsRoutes, registerHlsRoutes, registerNotFound } from './hls-routes.ts'

const fixture = loadFixture('av-160x90.cmaf')
const target = { event: 'demo', angle: 'main' }
const BEGIN_MS = 1_764_000_000_000
const STREAM = BEGIN_MS.toString(36)
const PLAYLIST = '/live/demo/main/hi/index.m3u8'

type Outcome = number | 'closed' | 'open'

/**
 * Status code of the answer to raw request bytes; 'closed' when the server hung up without one,
 * 'open' when it did neither within `waitMs`.
 */
function raw(port: number, request: string | Buffer, waitMs = 3000): Promise<Outcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    const s = connect(port, '127.0.0.1', () => s.write(request))
    let settled = false
    const done = (outcome?: 'open'): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      const m = /^HTTP\/1\.1 (\d{3})/.exec(Buffer.concat(chunks).toString('latin1'))
      resolve(m !== null ? Number(m[1]) : (outcome ?? 'closed'))
      s.destroy()
    }
    const timer = setTimeout(() => done('open'), waitMs)
    s.on('data', (d: Buffer) => {
      chunks.push(d)
      if (Buffer.concat(chunks).includes('\r\n\r\n')) done()
    })
    s.on('close', () => done())
    s.on('error', () => undefined)
  })
}

const line = (target: string, method = 'GET'): string => `${method} ${target} HTTP/1.1\r\nHost: x\r\n\r\n`
const rejected = (code: Outcome): boolean => code === 'closed' || (typeof code === 'number' && code >= 400 && code < 500)

/**
 * Request lines this uWebSockets.js build never routes to any handler (not origin-form, or no
 * Host): it answers nothing and closes the socket at its fixed 10 s HTTP idle timeout, as for
 * any idle connection.
 */
const UNROUTED: [string, string | Buffer][] = [
  ['asterisk form', line('*')],
  ['unclosed IPv6 absolute form', line('http://[::1')],
  ['absolute form', line('http://x/live/demo/angles.json')],
  ['authority form', line('a:443', 'CONNECT')],
  ['no Host header', 'GET /live/demo/angles.json HTTP/1.1\r\n\r\n'],
  ['no target or version', 'GET\r\n\r\n'],
  ['binary garbage', Buffer.from([0, 1, 2, 255, 13, 10, 13, 10])],
  ['raw UTF-8 in the path', Buffer.from('GET /live/d\u00e9mo/angles.json HTTP/1.1\r\nHost: x\r\n\r\n', 'utf8')],
]

const LONG = 'a'.repeat(16 * 1024)

/** Request targets that must be refused, tried on every route family. */
const HOSTILE: [string, string][] = [
  ['authority-ish double slash', '//a:b:c'],
  ['double slash into the routes', '//live/demo/main/hi/index.m3u8'],
  ['16 KB path', `/live/demo/main/hi/${LONG}`],
  ['16 KB query', `${PLAYLIST}?x=${LONG}`],
  ['bad percent escape', '/live/demo/main/hi/%zz'],
  ['NUL escape in a segment', '/live/de%00mo/main/hi/index.m3u8'],
  ['NUL escape in the file', `/live/demo/main/hi/${STREAM}-p0.m4s%00`],
  ['percent-encoded slash', '/live/demo/main%2F..%2Fhi/index.m3u8'],
  ['dot segments', '/live/demo/../demo/main/hi/index.m3u8'],
  ['msn 1e400', `${PLAYLIST}?_HLS_msn=1e400`],
  ['msn with 40 digits', `${PLAYLIST}?_HLS_msn=${'9'.repeat(40)}`],
  ['msn 2^53', `${PLAYLIST}?_HLS_msn=9007199254740992`],
  ['negative msn', `${PLAYLIST}?_HLS_msn=-1`],
  ['negative part', `${PLAYLIST}?_HLS_msn=1&_HLS_part=-1`],
  ['hex msn', `${PLAYLIST}?_HLS_msn=0x1`],
  ['duplicated msn', `${PLAYLIST}?_HLS_msn=1&_HLS_msn=0`],
  ['duplicated part', `${PLAYLIST}?_HLS_msn=1&_HLS_part=0&_HLS_part=0`],
  ['duplicated skip', `${PLAYLIST}?_HLS_skip=YES&_HLS_skip=YES`],
  ['percent-encoded msn key', `${PLAYLIST}?%5FHLS_msn=1&_HLS_msn=1`],
  ['msn with %00', `${PLAYLIST}?_HLS_msn=1%00`],
  ['huge part number file', `/live/demo/main/hi/${STREAM}-p${'9'.repeat(40)}.m4s`],
  ['angles.json of a NUL event', '/live/%00/angles.json'],
  ['angles.json with a long event', `/live/${LONG}/angles.json`],
  ['angles.json with bad escapes', '/live/%zz%/angles.json'],
]

describe('hostile request lines on the LL-HLS routes', () => {
  let store: LiveStore
  let routes: HlsRoutes
  let socket: uWS.us_listen_socket | false = false
  let port = 0

  beforeAll(() => {
    store = createLiveStore(packagerConfig())
    const app = uWS.App()
    routes = registerHlsRoutes(app, store)
    registerNotFound(app)
    app.listen('127.0.0.1', 0, (s) => {
      socket = s
    })
    if (socket === false) throw new Error('listen failed')
    port = uWS.us_socket_local_port(socket)
    const spec = { name: 'hi', width: 160, height: 90, videoBitrateKbps: 100, audioBitrateKbps: 32, fps: 30 }
    store.begin(target, [spec], BEGIN_MS)
    store.init(target, 'hi', fixture.init)
    for (let i = 0; i < 8; i++) store.fragment(target, 'hi', fixture.fragments[i % fixture.fragments.length] ?? new Uint8Array(), BEGIN_MS + i * 333)
  })
  afterAll(() => {
    routes.close()
    if (socket !== false) uWS.us_listen_socket_close(socket)
  })

  it.each(HOSTILE)('%s → 4xx or closed, GET and HEAD', async (_name, t) => {
    expect(await raw(port, line(PLAYLIST))).toBe(200)
    for (const method of ['GET', 'HEAD']) {
      const code = await raw(port, line(t, method))
      expect(rejected(code), `${method} ${t.slice(0, 80)} answered ${code}`).toBe(true)
    }
    expect(await raw(port, line(PLAYLIST))).toBe(200)
    expect(await raw(port, line(`/live/demo/main/hi/${STREAM}-p0.m4s`))).toBe(200)
    expect(await raw(port, line('/live/demo/angles.json'))).toBe(200)
  })

  it('closes unroutable request lines (at the idle timeout) and serves playlists meanwhile', async () => {
    const pending = UNROUTED.map(async ([name, request]) => [name, await raw(port, request, 15_000)] as const)
    expect(await raw(port, line(PLAYLIST))).toBe(200)
    const outcomes = await Promise.all(pending)
    for (const [name, outcome] of outcomes) expect(rejected(outcome), `${name}: ${outcome}`).toBe(true)
    expect(await raw(port, line(PLAYLIST))).toBe(200)
  }, 30_000)
})

describe('hostile request lines on the whole origin (/admin/streams/end, /health, /metrics)', () => {
  let origin: OriginHandle
  beforeAll(async () => {
    const config = loadOriginConfig({
      overrides: { host: '127.0.0.1', httpPort: 0, rtmpPort: 0, srtPort: 0, logLevel: 'silent', adminToken: 'admin-token-x', streamKeys: [{ key: 'hostile-key-1', event: 'hx', angle: 'main', label: 'Main' }] },
    })
    origin = await startOrigin(config)
  })
  afterAll(async () => {
    await origin.close()
  })

  const post = (t: string, body: string, auth = 'Bearer admin-token-x'): string =>
    `POST ${t} HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`

  it.each<[string, string]>([
    ['no token', post('/admin/streams/end', '{"event":"hx"}', 'Bearer nope')],
    ['bad JSON', post('/admin/streams/end', '{"event":')],
    ['event with NUL', post('/admin/streams/end', '{"event":"h\\u0000x"}')],
    ['event too long', post('/admin/streams/end', JSON.stringify({ event: LONG }))],
    ['body over the limit', post('/admin/streams/end', JSON.stringify({ event: 'hx', pad: LONG }))],
    ['query junk', post('/admin/streams/end?%zz=%00&a=1e400', '{"event":')],
    ['escaped path', post('/admin/streams%2Fend', '{"event":"hx"}')],
    ['16 KB path', post(`/admin/streams/end/${LONG}`, '{"event":"hx"}')],
    ['GET on the admin path', line('/admin/streams/end')],
    ['double slash', line('//admin/streams/end')],
    ['angles.json with escapes', line('/live/h%78/angles.json')],
    ['metrics with junk query', line('/metrics%00?%zz')],
  ])('%s → 4xx or closed', async (_name, request) => {
    expect(rejected(await raw(origin.httpPort, request))).toBe(true)
    expect(await raw(origin.httpPort, line('/live/hx/angles.json'))).toBe(200)
    expect(await raw(origin.httpPort, line('/health'))).toBe(200)
  })

  it('closes unroutable request lines to the admin endpoint', async () => {
    const outcomes = await Promise.all([line('*', 'OPTIONS'), line('http://[::1/admin/streams/end', 'POST')].map((r) => raw(origin.httpPort, r, 15_000)))
    for (const o of outcomes) expect(rejected(o), String(o)).toBe(true)
  }, 30_000)

  it('still ends an event with a well-formed request afterwards', async () => {
    expect(await raw(origin.httpPort, post('/admin/streams/end', '{"event":"hx"}'))).toBe(200)
  })
})
