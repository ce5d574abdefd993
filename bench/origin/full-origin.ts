/**
 * Live measurement through the whole origin (`startOrigin`): a synthetic 720p camera publishes over
 * RTMP, the origin transcodes the default ladder and packages it; a client follows the live edge
 * with blocking playlist requests; optionally Chromium plays it through hls.js.
 * Reports edge lag (arrival of the playlist announcing a part − that part's PDT end), the
 * transcoder's CPU seconds per media second, and hls.js's PDT-based latency.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import HLS from 'hls-parser'
import type { MasterPlaylist, MediaPlaylist } from 'hls-parser/types.js'
import { chromium } from 'playwright-core'
import pino from 'pino'
import uWS from 'uWebSockets.js'
import { loadOriginConfig } from '../../origin/config.ts'
import { startSyntheticCamera } from '../../origin/demo/cameras.ts'
import { startOrigin } from '../../origin/server.ts'
import { ensureTesseract } from '../glass/clock-ocr.ts'
import { captureClockCrop, glassToGlassOf, type ClockCrop } from '../glass/sample.ts'
import { quantile } from './live-ladder.ts'
import { cpuSeconds } from './procs.ts'
import { wallMs } from './raw-http.ts'

/** Figures of one full-origin run. */
export interface FullOriginResult {
  mode: 'full-origin-rtmp'
  note: string
  windowSec: number
  partsSeen: number
  edgeLagP50Ms: number | null
  edgeLagP95Ms: number | null
  transcoderCpuSecPerMediaSec: number | null
  playerLatencyP50Sec: number | null
  playerLatencyP95Sec: number | null
  playerSamples: number
  /** Glass-to-glass from the burnt-in camera clock read by OCR (capture time − clock), p50. */
  glassToGlassP50Sec: number | null
  glassToGlassP95Sec: number | null
  /** Frames captured for OCR, and how many of them read as a plausible clock. */
  glassCrops: number
  glassSamples: number
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** ffmpeg children of this process other than `exclude` (the transcoder the origin spawned). */
function ffmpegChildren(exclude: number | undefined): number[] {
  const out: number[] = []
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'latin1')
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (comm === 'ffmpeg' && ppid === process.pid && Number(d) !== exclude) out.push(Number(d))
    } catch {
      // The process went away while listing.
    }
  }
  return out
}

const round = (x: number | null, d = 0): number | null => (x === null ? null : Number(x.toFixed(d)))

/** Runs the origin with one RTMP camera for `seconds` and measures it. */
export async function measureFullOrigin(seconds: number, withPlayer: boolean, log: (m: string) => void): Promise<FullOriginResult> {
  const key = 'bench-key-000001'
  if (withPlayer) ensureTesseract(log)
  const config = loadOriginConfig({ env: {}, overrides: { host: '127.0.0.1', httpPort: 0, rtmpPort: 0, srtPort: 0, logLevel: 'warn', streamKeys: [{ key, event: 'bench', angle: 'main' }] } })
  // Logs go to stderr so `--json` output on stdout stays one JSON document.
  const origin = await startOrigin(config, { logger: pino({ name: 'origin', level: 'warn', base: { service: 'origin' } }, pino.destination(2)) })
  const camera = startSyntheticCamera({ url: `rtmp://127.0.0.1:${origin.rtmpPort}/live/${key}`, label: 'bench', width: 1280, height: 720, fps: 30, durationSec: seconds + 30 })
  const base = `http://127.0.0.1:${origin.httpPort}/live/bench/main`
  let pageSocket: uWS.us_listen_socket | false = false
  const browser = withPlayer
    ? await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'] })
    : undefined
  try {
    let mediaUri = ''
    for (let i = 0; i < 150 && mediaUri === ''; i++) {
      const res = await fetch(`${base}/master.m3u8`).catch(() => undefined)
      if (res?.status === 200) mediaUri = new URL((HLS.parse(await res.text()) as MasterPlaylist).variants[0]?.uri ?? '', `${base}/master.m3u8`).href
      else await sleep(200)
    }
    if (mediaUri === '') throw new Error('origin never served a multivariant playlist')
    log(`full origin live; following ${mediaUri}`)

    const latencies: number[] = []
    const crops: ClockCrop[] = []
    let ticks = 0
    if (browser !== undefined) {
      const hlsJs = readFileSync(createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js'))
      const app = uWS.App()
      app.get('/hls.min.js', (res) => {
        res.writeHeader('Content-Type', 'text/javascript').end(hlsJs)
      })
      app.get('/', (res) => {
        res
          .writeHeader('Content-Type', 'text/html')
          .end(`<video id="v" muted autoplay></video><script src="/hls.min.js"></script><script>const h=new Hls({lowLatencyMode:true,maxLiveSyncPlaybackRate:1.1});window.hls=h;h.loadSource(${JSON.stringify(`${base}/master.m3u8`)});h.attachMedia(document.getElementById('v'))</script>`)
      })
      app.listen('127.0.0.1', 0, (s) => {
        pageSocket = s
      })
      if (pageSocket === false) throw new Error('page server did not listen')
      const tab = await browser.newPage()
      await tab.goto(`http://127.0.0.1:${uWS.us_socket_local_port(pageSocket)}/`)
      const t = setInterval(() => {
        void tab
          .evaluate(() => {
            const h = (window as unknown as { hls: { playingDate: Date | null } }).hls
            const v = document.getElementById('v') as HTMLVideoElement
            // PDT-based: wall clock now minus the program date of the frame on screen; skip start-up.
            return v.currentTime > 5 && h.playingDate !== null ? (Date.now() - h.playingDate.getTime()) / 1000 : NaN
          })
          .then((l) => {
            if (!Number.isFinite(l)) return
            latencies.push(l)
            // A clock crop every 2 s of steady playback; OCR runs after the measurement window.
            if (++ticks % 4 === 0 && crops.length < 12) void captureClockCrop(tab).then((c) => { if (c) crops.push(c) }, () => undefined)
          }, () => undefined)
      }, 500)
      t.unref()
      setTimeout(() => clearInterval(t), (seconds + 10) * 1000).unref()
    }

    // Follow the live edge with blocking requests for the next part.
    const lags: number[] = []
    let next: { msn: number; part: number } | undefined
    const transcoders = ffmpegChildren(camera.process.pid)
    const cpu0 = transcoders.reduce((a, p) => a + cpuSeconds(p), 0)
    const start = wallMs()
    while (wallMs() - start < seconds * 1000) {
      const q = next === undefined ? '' : `?_HLS_msn=${next.msn}&_HLS_part=${next.part}`
      const res = await fetch(mediaUri + q)
      const arrived = wallMs()
      if (res.status !== 200) {
        next = undefined
        await sleep(100)
        continue
      }
      const pl = HLS.parse(await res.text()) as MediaPlaylist
      const last = pl.segments[pl.segments.length - 1]
      const parts = (last?.parts ?? []).filter((p) => !p.hint)
      if (last?.programDateTime === undefined || parts.length === 0) continue
      const pdtEnd = last.programDateTime.getTime() + parts.reduce((a, p) => a + (p.duration ?? 0), 0) * 1000
      if (next !== undefined) lags.push(arrived - pdtEnd)
      next = { msn: last.mediaSequenceNumber, part: parts.length }
    }
    const elapsedSec = (wallMs() - start) / 1000
    const cpu1 = transcoders.reduce((a, p) => a + (() => { try { return cpuSeconds(p) } catch { return 0 } })(), 0)
    await sleep(withPlayer ? 2000 : 0)
    const sorted = [...lags].sort((a, b) => a - b)
    const lat = [...latencies].sort((a, b) => a - b)
    const taken = [...crops]
    const glass = (await glassToGlassOf(taken)).sort((a, b) => a - b)
    return {
      mode: 'full-origin-rtmp',
      note: 'startOrigin + synthetic 720p RTMP camera; default ladder transcoded by the origin; PDT is the ingest clock; player latency = Date.now() − hls.playingDate (PDT of the frame on screen, after 5 s of playback), not optical glass-to-glass; glassToGlass* = frame capture time in the page − burnt-in camera clock read by Tesseract (includes camera encode and the RTMP hop)',
      windowSec: Number(elapsedSec.toFixed(1)),
      partsSeen: lags.length,
      edgeLagP50Ms: round(quantile(sorted, 0.5)),
      edgeLagP95Ms: round(quantile(sorted, 0.95)),
      transcoderCpuSecPerMediaSec: transcoders.length === 0 ? null : round((cpu1 - cpu0) / elapsedSec, 3),
      playerLatencyP50Sec: round(quantile(lat, 0.5), 2),
      playerLatencyP95Sec: round(quantile(lat, 0.95), 2),
      playerSamples: lat.length,
      glassToGlassP50Sec: round(quantile(glass, 0.5), 2),
      glassToGlassP95Sec: round(quantile(glass, 0.95), 2),
      glassCrops: taken.length,
      glassSamples: glass.length,
    }
  } finally {
    await browser?.close()
    if (pageSocket !== false) uWS.us_listen_socket_close(pageSocket)
    await camera.stop()
    await origin.close()
  }
}
