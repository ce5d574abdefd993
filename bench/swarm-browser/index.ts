import { spawn } from 'node:child_process'
import { loadavg, networkInterfaces } from 'node:os'
import { rm } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { resolve } from 'node:path'
import type { Browser } from 'playwright-core'
import type { BenchResult } from '../main.ts'
import type { Delivery } from '../../client/src/player/delivery-config.ts'
import type { ViewerStats } from '../../client/src/player/stats.ts'
import { quantile } from '../../client/src/player/latency.ts'
import { ensureTesseract } from '../glass/clock-ocr.ts'
import { captureClockCrop, glassToGlassOf, type ClockCrop } from '../glass/sample.ts'
import { buildApp } from './build-app.ts'
import { startLiveStack, type LiveStack } from './stack.ts'
import { launchBrowser, openViewer, type Viewer } from './viewers.ts'

/**
 * `npm run bench -- swarm-browser --viewers 6 --seconds 120 --json`: real Chromium viewers on one live
 * stream, three delivery variants one after another on the same stream (ours, stock
 * p2p-media-loader-hlsjs, P2P off). Viewers join staggered; one leaves halfway and rejoins.
 */

interface Options {
  viewers: number
  seconds: number
  deliveries: Delivery[]
}

function parseArgs(args: string[]): Options {
  const get = (name: string): string | undefined => {
    const i = args.indexOf(`--${name}`)
    return i === -1 ? undefined : args[i + 1]
  }
  const viewers = Number(get('viewers') ?? 6)
  const seconds = Number(get('seconds') ?? 120)
  if (!Number.isInteger(viewers) || viewers < 2 || viewers > 16) throw new Error('--viewers must be an integer 2..16')
  if (!Number.isFinite(seconds) || seconds < 30 || seconds > 1800) throw new Error('--seconds must be 30..1800')
  const only = get('only')
  const deliveries = (only ? only.split(',') : ['tuned', 'stock', 'off']).filter((d): d is Delivery => d === 'tuned' || d === 'stock' || d === 'off')
  return { viewers, seconds, deliveries }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
const log = (msg: string): void => { process.stderr.write(`[swarm-browser] ${msg}\n`) }

/** Figures of one delivery variant. */
interface VariantResult {
  delivery: Delivery
  viewerMinutes: number
  httpBytes: number
  p2pBytes: number
  p2pShare: number
  latencyP50Sec: number | null
  latencyP95Sec: number | null
  latencySamples: number
  /** Cross-check of the PDT figure: frame capture time − burnt-in camera clock read by OCR. */
  glassToGlassP50Sec: number | null
  glassToGlassP95Sec: number | null
  /** Clock crops taken (one per viewer every 10 s after warm-up) and how many read plausibly. */
  glassCrops: number
  glassSamples: number
  stalls: number
  stallsPer10ViewerMin: number
  stallSec: number
  originEgressBytes: number
  /** How often each ABR level was playing, over all 1 s samples (each level is its own swarm). */
  levelSamples: Record<string, number>
  peersMean: number
  /** Mean 1-minute load average of the machine during the variant (2 cores shared: noise indicator). */
  loadAvg1Mean: number
  /** HTTP bytes by reason: rendezvous seeding, deadline fallback, the core's own HTTP, other. */
  httpBytesBy: Record<string, number>
}

interface Session {
  viewer: Viewer
  joinedAt: number
  warmUntil: number
  nextCropAt: number
}

/** Warm-up excluded from latency samples: joining and catching up is not steady state. */
const WARM_MS = 10_000
/** One OCR clock crop per viewer this often (Tesseract is CPU-heavy; OCR runs after the variant). */
const GLASS_EVERY_MS = 10_000

async function runVariant(browser: Browser, stack: LiveStack, delivery: Delivery, o: Options): Promise<VariantResult> {
  const egress0 = stack.originEgressBytes()
  const totalMs = o.seconds * 1000
  const staggerMs = Math.min(5000, totalMs / (4 * o.viewers))
  const sessions: (Session | null)[] = []
  const finished: ViewerStats[] = []
  const httpBy: Record<string, number> = {}
  const latencies: number[] = []
  const crops: ClockCrop[] = []
  const peerSamples: number[] = []
  const levelSamples: Record<string, number> = {}
  const loads: number[] = []
  let viewerMs = 0
  const open = async (): Promise<Session> => {
    const viewer = await openViewer(browser, stack.appUrl, stack.event, `delivery=${delivery}`)
    const now = Date.now()
    return { viewer, joinedAt: now, warmUntil: now + WARM_MS, nextCropAt: now + WARM_MS }
  }
  const close = async (s: Session): Promise<void> => {
    const st = await s.viewer.stats().catch(() => null)
    if (st) finished.push(st)
    const b = await s.viewer.breakdown().catch(() => ({}))
    for (const [k, n] of Object.entries(b)) httpBy[k] = (httpBy[k] ?? 0) + n
    viewerMs += Date.now() - s.joinedAt
    await s.viewer.close()
  }
  const start = Date.now()
  const leaver = 1
  let left = false
  let rejoined = false
  let nextJoin = 0
  while (Date.now() - start < totalMs) {
    const t = Date.now() - start
    if (nextJoin < o.viewers && t >= nextJoin * staggerMs) {
      sessions[nextJoin] = await open()
      nextJoin++
    }
    if (!left && t >= totalMs * 0.5 && sessions[leaver]) {
      await close(sessions[leaver] as Session)
      sessions[leaver] = null
      left = true
      log(`${delivery}: viewer ${leaver} left`)
    } else if (left && !rejoined && t >= totalMs * 0.5 + 5000) {
      sessions[leaver] = await open()
      rejoined = true
      log(`${delivery}: viewer ${leaver} rejoined`)
    }
    const now = Date.now()
    loads.push(loadavg()[0] ?? 0)
    for (const s of sessions) {
      if (!s) continue
      const st = await s.viewer.stats().catch(() => null)
      if (!st) continue
      peerSamples.push(st.peers)
      levelSamples[String(st.level)] = (levelSamples[String(st.level)] ?? 0) + 1
      if (now >= s.warmUntil && st.latencySec !== null && Number.isFinite(st.latencySec)) latencies.push(st.latencySec)
      if (now >= s.nextCropAt) {
        s.nextCropAt = now + GLASS_EVERY_MS
        const c = await captureClockCrop(s.viewer.page).catch(() => undefined)
        if (c) crops.push(c)
      }
    }
    await sleep(1000)
  }
  for (const s of sessions) if (s) await close(s)
  const glass = await glassToGlassOf(crops)
  const httpBytes = finished.reduce((n, s) => n + s.httpBytes, 0)
  const p2pBytes = finished.reduce((n, s) => n + s.p2pBytes, 0)
  const stalls = finished.reduce((n, s) => n + s.stalls, 0)
  const viewerMinutes = viewerMs / 60_000
  const round = (x: number | null, d = 3): number | null => (x === null ? null : Number(x.toFixed(d)))
  return {
    delivery,
    viewerMinutes: Number(viewerMinutes.toFixed(2)),
    httpBytes,
    p2pBytes,
    p2pShare: Number((httpBytes + p2pBytes === 0 ? 0 : p2pBytes / (httpBytes + p2pBytes)).toFixed(4)),
    latencyP50Sec: round(quantile(latencies, 0.5)),
    latencyP95Sec: round(quantile(latencies, 0.95)),
    latencySamples: latencies.length,
    glassToGlassP50Sec: round(quantile(glass, 0.5)),
    glassToGlassP95Sec: round(quantile(glass, 0.95)),
    glassCrops: crops.length,
    glassSamples: glass.length,
    stalls,
    stallsPer10ViewerMin: Number((viewerMinutes === 0 ? 0 : (10 * stalls) / viewerMinutes).toFixed(3)),
    stallSec: Number(finished.reduce((n, s) => n + s.stallSec, 0).toFixed(2)),
    originEgressBytes: stack.originEgressBytes() - egress0,
    httpBytesBy: httpBy,
    loadAvg1Mean: Number((loads.reduce((a, b) => a + b, 0) / Math.max(1, loads.length)).toFixed(2)),
    levelSamples,
    peersMean: Number((peerSamples.reduce((a, b) => a + b, 0) / Math.max(1, peerSamples.length)).toFixed(2)),
  }
}

function inLoopbackNamespace(): boolean {
  const names = Object.keys(networkInterfaces())
  return names.length > 0 && names.every((n) => n === 'lo')
}

/** Re-runs this suite through scripts/netns-run.sh and returns the inner run's JSON. */
async function viaNamespace(args: string[]): Promise<BenchResult> {
  const root = resolve(fileURLToPath(import.meta.url), '../../..')
  const inner = ['scripts/netns-run.sh', 'npx', 'tsx', 'bench/main.ts', 'swarm-browser', ...args.filter((a) => a !== '--json'), '--json']
  return new Promise((ok, fail) => {
    const child = spawn('bash', inner, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => { out += d.toString() })
    child.on('error', fail)
    child.on('exit', (code) => {
      // Services may log JSON lines to stdout too; the result is the pretty-printed object at the end.
      const at = out.lastIndexOf('{\n  "suite"')
      const json = at === -1 ? '' : out.slice(at)
      if (code !== 0) { fail(new Error(`namespaced run exited with ${code}`)); return }
      try { ok(JSON.parse(json) as BenchResult) } catch (e) { fail(e instanceof Error ? e : new Error(String(e))) }
    })
  })
}

/** Runs the suite. */
export async function run(args: string[]): Promise<BenchResult> {
  // Outside the namespace first: installing needs the network.
  ensureTesseract(log)
  if (!inLoopbackNamespace()) {
    log('not in a loopback-only network namespace: re-running through scripts/netns-run.sh')
    return viaNamespace(args)
  }
  const o = parseArgs(args)
  const startedAt = new Date().toISOString()
  const appDir = await buildApp()
  const stack = await startLiveStack({ appDir, seconds: o.seconds * o.deliveries.length + 60 })
  const browser = await launchBrowser()
  const variants: VariantResult[] = []
  try {
    for (const d of o.deliveries) {
      log(`${d}: ${o.viewers} viewers for ${o.seconds} s`)
      variants.push(await runVariant(browser, stack, d, o))
      log(`${d}: ${JSON.stringify(variants.at(-1))}`)
    }
  } finally {
    await browser.close()
    await stack.close()
    await rm(appDir, { recursive: true, force: true })
  }
  const by = (d: Delivery): VariantResult | undefined => variants.find((v) => v.delivery === d)
  const tuned = by('tuned')
  const ratio = (a: number | null | undefined, b: number | null | undefined): number | null =>
    a === null || a === undefined || b === null || b === undefined || b === 0 ? null : Number((a / b).toFixed(3))
  return {
    suite: 'swarm-browser',
    startedAt,
    stack: stack.kind,
    viewers: o.viewers,
    secondsPerVariant: o.seconds,
    variants,
    ratios: {
      originEgressTunedVsOff: ratio(tuned?.originEgressBytes, by('off')?.originEgressBytes),
      originEgressTunedVsStock: ratio(tuned?.originEgressBytes, by('stock')?.originEgressBytes),
      latencyP50TunedVsStock: ratio(tuned?.latencyP50Sec, by('stock')?.latencyP50Sec),
      p2pShareTunedVsStock: ratio(tuned?.p2pShare, by('stock')?.p2pShare),
    },
    targets: tuned ? {
      latencyP50Le3Sec: (tuned.latencyP50Sec ?? Infinity) <= 3,
      latencyP95Le3_5Sec: (tuned.latencyP95Sec ?? Infinity) <= 3.5,
      p2pShareGe60Pct: tuned.p2pShare >= 0.6,
      stallsLe1Per10ViewerMin: tuned.stallsPer10ViewerMin <= 1,
    } : null,
  }
}
