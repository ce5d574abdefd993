import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rm } from 'node:fs/promises'
import type { Browser } from 'playwright-core'
import { buildApp } from '../bench/swarm-browser/build-app.ts'
import { startLiveStack, type LiveStack } from '../bench/swarm-browser/stack.ts'
import { launchBrowser, openViewer, type Viewer } from '../bench/swarm-browser/viewers.ts'

/**
 * Real Chromium viewers on our origin (two synthetic cameras), our tracker (admission tokens required)
 * and the real engagement service serving the built app and playback sessions, as `npm start` runs
 * them, inside the loopback-only network namespace (`SWARMSTAGE_STACK=stand-in` swaps in ffmpeg's HLS
 * muxer and the reference tracker):
 * `bash scripts/netns-run.sh npx vitest run --config vitest.e2e.config.ts client/viewer.e2e.test.ts`
 */

const VIEWERS = 3
let appDir = ''
let stack: LiveStack
let browser: Browser
const viewers: Viewer[] = []

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

beforeAll(async () => {
  appDir = await buildApp()
  stack = await startLiveStack({ appDir, seconds: 150 })
  browser = await launchBrowser()
  for (let i = 0; i < VIEWERS; i++) {
    viewers.push(await openViewer(browser, stack.appUrl, stack.event))
    await sleep(1500)
  }
})

afterAll(async () => {
  await browser?.close()
  await stack?.close()
  if (appDir) await rm(appDir, { recursive: true, force: true })
})

describe(`viewer app with ${VIEWERS} real Chromium viewers`, () => {
  it('plays live near the edge with bytes from peers', async () => {
    await sleep(25_000)
    const t0 = await Promise.all(viewers.map((v) => v.currentTime()))
    await sleep(4_000)
    const t1 = await Promise.all(viewers.map((v) => v.currentTime()))
    const stats = await Promise.all(viewers.map((v) => v.stats()))
    console.log(JSON.stringify({ announces: stack.announces(), stats }))

    // WebRTC fails silently outside the namespace, so insist the tracker really saw us. Our tracker
    // admits only announce URLs with a token, so these came through createPlaybackSession.
    expect(stack.announces()).toBeGreaterThanOrEqual(VIEWERS)
    expect(stats.some((s) => (s?.p2pBytes ?? 0) > 0)).toBe(true)
    expect(stats.reduce((n, s) => n + (s?.p2pUploadedBytes ?? 0), 0)).toBeGreaterThan(0)
    for (let i = 0; i < VIEWERS; i++) {
      expect((t1[i] ?? 0) - (t0[i] ?? 0)).toBeGreaterThan(2)
      const s = stats[i]
      expect(s?.latencySec).not.toBeNull()
      expect(Number.isFinite(s?.latencySec)).toBe(true)
      expect(s?.latencySec ?? Infinity).toBeLessThanOrEqual(5)
      // Every viewer must be in the one swarm (a multivariant playlist that changed between joins
      // once put the first viewer in a swarm of its own).
      expect(s?.peers ?? 0).toBeGreaterThan(0)
    }
  })

  it('switches angle without a reload and keeps playing near live', async () => {
    const v = viewers[0] as Viewer
    const current = (await v.stats())?.angle
    const i = stack.angles.findIndex((a) => a !== current)
    const other = stack.angles[i] as string
    expect(other).not.toBe(current)
    await v.page.evaluate(() => { (window as unknown as { marker: number }).marker = 42 })
    await v.page.getByRole('radio', { name: stack.angleLabels[i] }).click()
    await sleep(8_000)
    const a = await v.currentTime()
    await sleep(3_000)
    const b = await v.currentTime()
    const s = await v.stats()
    expect(await v.page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42)
    expect(s?.angle).toBe(other)
    expect(b - a).toBeGreaterThan(1.5)
    expect(s?.latencySec ?? Infinity).toBeLessThanOrEqual(5)
  })

  it('the Content-Security-Policy blocked nothing the player needs', async () => {
    for (const v of viewers) expect(await v.cspViolations()).toEqual([])
  })
})
