import { spawn, type ChildProcess } from 'node:child_process'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { extname, join, normalize, resolve, sep } from 'node:path'
import type { AddressInfo } from 'node:net'
import { createReferenceTracker } from './reference-tracker.ts'

/**
 * Stand-ins for the services the viewer needs, started on ephemeral 127.0.0.1 ports: a live HLS stream
 * from ffmpeg's own hls muxer (fMP4, 1 s segments, two angles, test pattern), a static origin with CORS,
 * the reference WebTorrent tracker, and a static server for the built app with `/api/client-config`.
 */

/** A running stand-in. */
export interface Closable {
  close(): Promise<void>
}

const TYPES: Record<string, string> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.m4s': 'video/iso.segment',
  '.mp4': 'video/mp4',
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(0, '127.0.0.1', () => ok())
  })
  return (server.address() as AddressInfo).port
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections()
  return new Promise((ok) => server.close(() => ok()))
}

/** Resolves `rel` inside `root`, or null when it escapes. */
function inside(root: string, rel: string): string | null {
  const p = normalize(join(root, decodeURIComponent(rel)))
  return p === root || p.startsWith(root + sep) ? p : null
}

/** Origin stand-in: counts egress bytes so benches can report it. */
export interface StandInOrigin extends Closable {
  baseUrl: string
  event: string
  angles: string[]
  /** Media and playlist bytes served so far. */
  egressBytes(): number
}

/** ffmpeg live stream with `angles` camera angles, served as `/live/<event>/<angle>/master.m3u8`. */
export async function startStandInOrigin(opts: { event?: string; seconds: number; width?: number; height?: number }): Promise<StandInOrigin> {
  const event = opts.event ?? 'demo'
  const angles = ['wide', 'close']
  const dir = await mkdtemp(join(tmpdir(), 'swarmstage-hls-'))
  const { mkdir } = await import('node:fs/promises')
  for (const a of angles) await mkdir(join(dir, a))
  const w = opts.width ?? 640
  const h = opts.height ?? 360
  const out = (label: string, angle: string): string[] => [
    '-map', `[${label}]`, '-map', '1:a',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '30', '-keyint_min', '30', '-sc_threshold', '0',
    '-b:v', '600k', '-maxrate', '600k', '-bufsize', '600k', '-c:a', 'aac', '-b:a', '64k', '-t', String(opts.seconds),
    '-f', 'hls', '-hls_time', '1', '-hls_list_size', '15',
    '-hls_flags', 'program_date_time+delete_segments+independent_segments+temp_file',
    '-hls_segment_type', 'fmp4', '-master_pl_name', 'master.m3u8', '-hls_fmp4_init_filename', 'init.mp4',
    join(dir, angle, 'stream.m3u8'),
  ]
  const filter = '[0:v]split=2[a][b0];[b0]hue=h=120[b]'
  const ffmpeg: ChildProcess = spawn('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', `testsrc2=size=${w}x${h}:rate=30`,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-filter_complex', filter,
    ...out('a', angles[0] as string), ...out('b', angles[1] as string),
  ], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  ffmpeg.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000) })
  let egress = 0
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    res.setHeader('access-control-allow-origin', '*')
    const url = new URL(req.url ?? '/', 'http://x')
    const m = /^\/live\/([^/]+)\/(.+)$/.exec(url.pathname)
    if (!m || m[1] !== event) { res.writeHead(404).end(); return }
    if (m[2] === 'angles.json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(angles.map((id) => ({ id, label: id === 'wide' ? 'Wide' : 'Close-up', live: true }))))
      return
    }
    const file = inside(dir, m[2] ?? '')
    if (!file) { res.writeHead(400).end(); return }
    readFile(file).then((body) => {
      egress += body.byteLength
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': extname(file) === '.m3u8' ? 'no-cache' : 'max-age=60' })
      res.end(body)
    }, () => { res.writeHead(404).end() })
  })
  const port = await listen(server)
  // Wait for the first segments of every angle.
  const deadline = Date.now() + 20_000
  for (;;) {
    const ready = await Promise.all(angles.map((a) => readFile(join(dir, a, 'stream.m3u8'), 'utf8').then((t) => (t.match(/#EXTINF/g) ?? []).length >= 3, () => false)))
    if (ready.every(Boolean)) break
    if (Date.now() > deadline || ffmpeg.exitCode !== null) {
      ffmpeg.kill('SIGKILL')
      await closeServer(server)
      throw new Error(`stand-in stream did not start: ${stderr}`)
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    event,
    angles,
    egressBytes: () => egress,
    async close() {
      if (ffmpeg.exitCode === null) {
        ffmpeg.kill('SIGKILL')
        await new Promise((r) => ffmpeg.once('exit', r))
      }
      await closeServer(server)
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** The reference tracker with an announce counter. */
export interface StandInTracker extends Closable {
  url: string
  announces(): number
}

/** `bittorrent-tracker`'s server, WebSocket only. */
export async function startStandInTracker(): Promise<StandInTracker> {
  const server = await createReferenceTracker({ udp: false, http: true, ws: true, stats: false, interval: 10_000 })
  let count = 0
  for (const ev of ['start', 'update', 'complete', 'stop']) server.on(ev, () => { count++ })
  server.on('warning', () => { /* client protocol noise is not our concern here */ })
  server.on('error', () => { /* reported through failed announces */ })
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()))
  const port = (server.http?.address() as AddressInfo).port
  return {
    url: `ws://127.0.0.1:${port}`,
    announces: () => count,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  }
}

/** Static server for dist/client with SPA fallback and a `/api/client-config` like the engagement service's. */
export async function startAppServer(opts: { root: string; clientConfig: unknown }): Promise<Closable & { url: string }> {
  const root = resolve(opts.root)
  const index = await readFile(join(root, 'index.html'))
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    if (url.pathname === '/api/client-config') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(opts.clientConfig))
      return
    }
    const file = url.pathname.startsWith('/assets/') ? inside(root, url.pathname.slice(1)) : null
    if (!file) { res.writeHead(200, { 'content-type': TYPES['.html'] }).end(index); return }
    readFile(file).then((body) => {
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body)
    }, () => { res.writeHead(404).end() })
  })
  const port = await listen(server)
  return { url: `http://127.0.0.1:${port}`, close: () => closeServer(server) }
}
