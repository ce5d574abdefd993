/**
 * Browser end-to-end: a real ffmpeg CMAF pipe (test pattern + tone, two renditions) feeds our packager
 * store; our uWS HLS routes serve it; Debian's Chromium plays it through hls.js in lowLatencyMode from a
 * page on another origin (so CORS is exercised). The playhead must advance and hls.latency be finite.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import uWS from 'uWebSockets.js'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RenditionSpec } from './contract.ts'
import { type HlsRoutes, registerHlsRoutes, registerNotFound } from './http/hls-routes.ts'
import { BoxSplitter } from './ingest/transcoder/box-splitter.ts'
import { packagerConfig } from './packager/config.ts'
import { createLiveStore } from './packager/live-store.ts'
import { type InitInfo, parseFragment, parseInit } from './packager/mp4-boxes.ts'
import { primaryTrack } from './packager/rendition.ts'

const LADDER: RenditionSpec[] = [
  { name: '360p', width: 640, height: 360, videoBitrateKbps: 600, audioBitrateKbps: 64, fps: 30 },
  { name: '180p', width: 320, height: 180, videoBitrateKbps: 200, audioBitrateKbps: 64, fps: 30 },
]
const MEDIA_SECONDS = 60
const target = { event: 'e2e', angle: 'main' }

const hlsJs = readFileSync(createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js'))
const page = (src: string): string => `<!doctype html><html><body>
<video id="v" muted autoplay playsinline></video>
<script src="/hls.min.js"></script>
<script>
  window.errors = []
  const hls = new Hls({ lowLatencyMode: true, maxLiveSyncPlaybackRate: 1.1 })
  window.hls = hls
  hls.on(Hls.Events.ERROR, (_e, d) => window.errors.push(d.details + (d.fatal ? ' (fatal)' : '')))
  hls.loadSource(${JSON.stringify(src)})
  hls.attachMedia(document.getElementById('v'))
</script></body></html>`

function ffmpegArgs(): string[] {
  const out = (r: RenditionSpec, i: number, fd: number): string[] => [
    '-map', `[v${i}]`, '-map', '1:a',
    '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-g', '30', '-keyint_min', '30', '-sc_threshold', '0',
    '-pix_fmt', 'yuv420p', '-b:v', `${r.videoBitrateKbps}k`, '-c:a', 'aac', '-b:a', `${r.audioBitrateKbps}k`, '-ac', '2',
    '-f', 'mp4', '-movflags', '+empty_moov+default_base_moof+frag_keyframe+cmaf+skip_trailer', '-frag_duration', '333333', `pipe:${fd}`,
  ]
  return [
    '-hide_banner', '-loglevel', 'error',
    '-re', '-t', String(MEDIA_SECONDS), '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30',
    '-re', '-t', String(MEDIA_SECONDS), '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-filter_complex', '[0:v]split=2[a][b];[a]scale=640:360[v0];[b]scale=320:180[v1]',
    ...out(LADDER[0] as RenditionSpec, 0, 1), ...out(LADDER[1] as RenditionSpec, 1, 3),
  ]
}

let ffmpeg: ChildProcess | undefined
let browser: Browser | undefined
let routes: HlsRoutes | undefined
const sockets: uWS.us_listen_socket[] = []

function listen(app: uWS.TemplatedApp): number {
  let sock: uWS.us_listen_socket | false = false
  app.listen('127.0.0.1', 0, (s) => {
    sock = s
  })
  if (sock === false) throw new Error('listen failed')
  sockets.push(sock)
  return uWS.us_socket_local_port(sock)
}

let hlsPort = 0
let pagePort = 0

beforeAll(() => {
  const store = createLiveStore(packagerConfig())
  const hlsApp = uWS.App()
  routes = registerHlsRoutes(hlsApp, store)
  registerNotFound(hlsApp)
  hlsPort = listen(hlsApp)

  const pageApp = uWS.App()
  pageApp.get('/hls.min.js', (res) => {
    res.writeHeader('Content-Type', 'text/javascript').end(hlsJs)
  })
  pageApp.get('/', (res) => {
    res.writeHeader('Content-Type', 'text/html').end(page(`http://127.0.0.1:${hlsPort}/live/e2e/main/master.m3u8`))
  })
  pagePort = listen(pageApp)

  const spawnMs = Date.now()
  store.begin(target, LADDER, spawnMs)
  ffmpeg = spawn('ffmpeg', ffmpegArgs(), { stdio: ['ignore', 'pipe', 'inherit', 'pipe'] })
  const stdio = ffmpeg.stdio as unknown as (NodeJS.ReadableStream | null)[]
  LADDER.forEach((r, i) => {
    const splitter = new BoxSplitter()
    let init: InitInfo | undefined
    stdio[i === 0 ? 1 : 3]?.on('data', (chunk: Buffer) => {
      for (const ev of splitter.push(new Uint8Array(chunk)).events) {
        if (ev.kind === 'init') {
          const p = parseInit(ev.bytes)
          init = p.ok ? p.value : undefined
          store.init(target, r.name, ev.bytes)
          continue
        }
        const track = init === undefined ? undefined : primaryTrack(init)
        const f = init === undefined ? undefined : parseFragment(ev.bytes, init)
        const run = f?.ok === true ? f.value.runs.find((x) => x.trackId === track?.trackId) : undefined
        const mediaMs = run !== undefined && track !== undefined ? (run.baseDecodeTime / track.timescale) * 1000 : 0
        store.fragment(target, r.name, ev.bytes, Math.round(spawnMs + mediaMs))
      }
    })
  })
})

afterAll(async () => {
  await browser?.close()
  ffmpeg?.kill('SIGKILL')
  routes?.close()
  for (const s of sockets) uWS.us_listen_socket_close(s)
})

describe('hls.js plays our LL-HLS live stream in Chromium', () => {
  it('advances the playhead and reports a finite PDT-based latency', async () => {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
    })
    const tab = await browser.newPage()
    await tab.goto(`http://127.0.0.1:${pagePort}/`)
    // Playback starts once a few parts exist (ffmpeg needs ~1 s, hls.js holds back 3 parts).
    await tab.waitForFunction(() => (document.getElementById('v') as HTMLVideoElement).currentTime > 0.5, undefined, { timeout: 30_000, polling: 250 })
    const sample = (): Promise<{ t: number; latency: number; pdtLatency: number; errors: string[]; ll: boolean }> =>
      tab.evaluate(() => {
        const w = window as unknown as {
          hls: { latency: number; playingDate: Date | null; levels: { details?: { partList?: unknown[] | null } }[]; currentLevel: number }
          errors: string[]
        }
        const level = w.hls.levels[Math.max(0, w.hls.currentLevel)]
        const pdtLatency = w.hls.playingDate === null ? NaN : (Date.now() - w.hls.playingDate.getTime()) / 1000
        return { t: (document.getElementById('v') as HTMLVideoElement).currentTime, latency: w.hls.latency, pdtLatency, errors: w.errors, ll: (level?.details?.partList?.length ?? 0) > 0 }
      })
    const first = await sample()
    await new Promise((r) => setTimeout(r, 8_000))
    const later = await sample()
    // Loose bounds: the machine is shared; stalls under load slow playback but must not stop it.
    expect(later.t - first.t).toBeGreaterThan(4)
    expect(Number.isFinite(later.latency)).toBe(true)
    expect(later.latency).toBeGreaterThan(0)
    expect(later.latency).toBeLessThan(15)
    // PDT-based: wall clock minus the program date of the frame on screen.
    expect(Number.isFinite(later.pdtLatency)).toBe(true)
    expect(later.pdtLatency).toBeGreaterThan(0)
    expect(later.pdtLatency).toBeLessThan(15)
    expect(later.ll).toBe(true)
    expect(later.errors.filter((e) => e.endsWith('(fatal)'))).toEqual([])
    console.log(`e2e playback: advanced ${(later.t - first.t).toFixed(2)} s in 8 s, hls.latency ${later.latency.toFixed(2)} s, now − playingDate ${later.pdtLatency.toFixed(2)} s, non-fatal errors: ${JSON.stringify(later.errors)}`)
  })
})
