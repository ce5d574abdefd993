import { randomBytes } from 'node:crypto'
import { loadOriginConfig } from '../../origin/config.ts'
import { startOrigin } from '../../origin/server.ts'
import { startSyntheticCamera, type SyntheticCamera } from '../../origin/demo/cameras.ts'
import { loadTrackerConfig } from '../../tracker/config.ts'
import { startTracker } from '../../tracker/server.ts'
import { createLogger } from '../../common/log.ts'
import { loadEngagementConfig } from '../../engagement/config.ts'
import { startEngagement } from '../../engagement/server.ts'
import { openDatabase } from '../../engagement/platform/storage.ts'
import { ensureDemoEvent } from '../../scripts/demo-event.ts'
import { startCountingProxy } from './counting-proxy.ts'
import { startAppServer, startStandInOrigin, startStandInTracker } from './stand-ins.ts'

/**
 * The live stack the browser suites run against, all on ephemeral 127.0.0.1 ports, wired as `npm start`
 * wires it: our origin with two synthetic cameras (behind a byte-counting proxy, where a CDN edge would
 * be), our tracker requiring admission tokens, and the real engagement service (embedded in-memory
 * PGlite) serving the built app, `/api/client-config` and playback sessions signed with the tracker's
 * secret. `SWARMSTAGE_STACK=stand-in` uses ffmpeg's HLS muxer and the reference tracker instead.
 */

/** A running stack. */
export interface LiveStack {
  /** Which implementation serves the stream and the tracker. */
  kind: 'stand-in' | 'real'
  appUrl: string
  originUrl: string
  trackerUrl: string
  event: string
  angles: string[]
  angleLabels: string[]
  /** Announces the tracker has processed. */
  announces(): number
  /** Bytes the origin has served. */
  originEgressBytes(): number
  close(): Promise<void>
}

const EVENT = 'demo'
const ANGLES = [{ id: 'wide', label: 'Wide' }, { id: 'close', label: 'Close-up' }]
/** A small two-rung ladder: enough for ABR, cheap enough for 2 shared cores. */
const LADDER = [
  { name: '360p', width: 640, height: 360, videoBitrateKbps: 700, audioBitrateKbps: 64, fps: 30 },
  { name: '180p', width: 320, height: 180, videoBitrateKbps: 250, audioBitrateKbps: 64, fps: 30 },
]

async function waitFor(what: string, fn: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!(await fn().catch(() => false))) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 300))
  }
}

async function startRealStack(opts: { appDir: string; seconds: number }): Promise<LiveStack> {
  const closers: (() => Promise<unknown>)[] = []
  const closeAll = async (): Promise<void> => {
    for (const c of closers.reverse()) await c().catch(() => undefined)
  }
  try {
    const origin = await startOrigin(loadOriginConfig({
      env: {},
      overrides: {
        host: '127.0.0.1', httpPort: 0, rtmpPort: 0, srtPort: 0, logLevel: 'error', ladder: LADDER, x264Preset: 'ultrafast',
        streamKeys: ANGLES.map((a, i) => ({ key: `bench-key-${i}-${a.id}`, event: EVENT, angle: a.id, label: a.label })),
      },
    }), { logger: createLogger('origin', 'error') })
    closers.push(() => origin.close())
    const cameras: SyntheticCamera[] = ANGLES.map((a, i) => startSyntheticCamera({
      url: `rtmp://127.0.0.1:${origin.rtmpPort}/live/bench-key-${i}-${a.id}`,
      label: a.label, width: 640, height: 360, fps: 30, durationSec: opts.seconds, toneHz: 440 + 220 * i,
    }))
    closers.push(() => Promise.all(cameras.map((c) => c.stop())))
    const direct = `http://127.0.0.1:${origin.httpPort}`
    for (const a of ANGLES) {
      await waitFor(`angle ${a.id}`, async () => (await fetch(`${direct}/live/${EVENT}/${a.id}/master.m3u8`)).ok, 30_000)
    }
    const proxy = await startCountingProxy(direct)
    closers.push(() => proxy.close())
    const secret = randomBytes(32).toString('base64url')
    const tracker = await startTracker(loadTrackerConfig({
      env: {},
      overrides: { port: 0, host: '127.0.0.1', logLevel: 'error', jwtSecret: secret, jwtRequired: true, allowedOrigins: ['*'] },
    }), createLogger('tracker', 'error'))
    closers.push(() => tracker.close())
    const trackerUrl = `ws://127.0.0.1:${tracker.port}`
    const engagementConfig = loadEngagementConfig({}, {
      host: '127.0.0.1', port: 0, gatewayPort: 0, dev: true, logLevel: 'error', pgliteDataDir: '', staticDir: opts.appDir,
      publicOriginUrl: proxy.baseUrl, publicTrackerUrls: [trackerUrl], trackerInstances: [{ id: 'bench', url: trackerUrl }], trackerJwtSecret: secret,
    })
    const db = await openDatabase(engagementConfig)
    closers.push(() => db.close())
    await ensureDemoEvent(db, EVENT)
    const engagement = await startEngagement(engagementConfig, { db, logger: createLogger('engagement', 'error') })
    closers.push(() => engagement.close())
    return {
      kind: 'real',
      appUrl: `http://127.0.0.1:${engagement.port}`,
      originUrl: proxy.baseUrl,
      trackerUrl,
      event: EVENT,
      angles: ANGLES.map((a) => a.id),
      angleLabels: ANGLES.map((a) => a.label),
      announces: () => tracker.stats().counters.announces ?? 0,
      originEgressBytes: proxy.egressBytes,
      close: closeAll,
    }
  } catch (e) {
    await closeAll()
    throw e
  }
}

/**
 * Everything swapped for third-party stand-ins, to tell whether a regression lies in our services or in
 * the viewer. The static app server here has no playback sessions, so the viewer takes its fallback
 * path (`/api/client-config`, no token: the reference tracker checks none).
 */
async function startStandInStack(opts: { appDir: string; seconds: number }): Promise<LiveStack> {
  const origin = await startStandInOrigin({ seconds: opts.seconds })
  const tracker = await startStandInTracker().catch(async (e: unknown) => {
    await origin.close()
    throw e
  })
  const app = await startAppServer({
    root: opts.appDir,
    clientConfig: { originBaseUrl: origin.baseUrl, trackerUrls: [tracker.url], iceServers: [] },
  })
  return {
    kind: 'stand-in',
    appUrl: app.url,
    originUrl: origin.baseUrl,
    trackerUrl: tracker.url,
    event: origin.event,
    angles: origin.angles,
    angleLabels: ['Wide', 'Close-up'],
    announces: tracker.announces,
    originEgressBytes: origin.egressBytes,
    async close() {
      await app.close()
      await tracker.close()
      await origin.close()
    },
  }
}

/** Starts the stack for `seconds` of live media (real services unless SWARMSTAGE_STACK=stand-in). */
export async function startLiveStack(opts: { appDir: string; seconds: number }): Promise<LiveStack> {
  return process.env.SWARMSTAGE_STACK === 'stand-in' ? startStandInStack(opts) : startRealStack(opts)
}
