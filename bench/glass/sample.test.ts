import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cameraArgs } from '../../origin/demo/cameras.ts'
import { readBurntInClock, tesseractAvailable } from './clock-ocr.ts'
import { captureClockCrop, sampleGlassToGlass } from './sample.ts'

// Real Chromium playing 4 s of the synthetic camera (clock burnt in from `startMs`) from an MP4.
let dir = ''
let server: Server | undefined
let browser: Browser | undefined
let page: Page | undefined
let startMs = 0

beforeAll(async () => {
  if (!tesseractAvailable()) throw new Error('tesseract is not installed: apt-get install tesseract-ocr tesseract-ocr-eng (needed by bench/glass)')
  dir = await mkdtemp(join(tmpdir(), 'glass-'))
  startMs = Date.now()
  const args = cameraArgs({ url: 'rtmp://127.0.0.1/live/k', label: 'Glass test', width: 640, height: 360, clock: 'media' }, startMs)
  const graph = args[args.indexOf('lavfi') + 2] ?? ''
  const ff = spawnSync('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'lavfi', '-i', graph, '-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', join(dir, 'cam.mp4')])
  if (ff.status !== 0) throw new Error(`ffmpeg failed: ${ff.stderr.toString()}`)
  const mp4 = await readFile(join(dir, 'cam.mp4'))
  server = createServer((req, res) => {
    if (req.url === '/cam.mp4') res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': mp4.length }).end(mp4)
    else res.writeHead(200, { 'Content-Type': 'text/html' }).end('<video id="v" muted autoplay loop src="/cam.mp4"></video>')
  })
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r))
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--autoplay-policy=no-user-gesture-required'] })
  page = await browser.newPage()
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
  await page.waitForFunction(() => (document.getElementById('v') as HTMLVideoElement).currentTime > 0.3, null, { timeout: 20_000 })
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await new Promise((r) => server ? server.close(r) : r(undefined))
  if (dir !== '') await rm(dir, { recursive: true, force: true })
})

describe('captureClockCrop in Chromium', () => {
  it('captures the frame whose burnt-in clock matches its media time', async () => {
    if (page === undefined) throw new Error('no page')
    for (let i = 0; i < 3; i++) {
      const crop = await captureClockCrop(page)
      expect(crop).toBeDefined()
      if (crop === undefined) return
      const read = await readBurntInClock(crop.png, crop.capturedAtMs)
      expect(read).toBeDefined()
      expect(crop.exact).toBe(true)
      // The camera draws start + pts, so the clock names the exact frame that was grabbed.
      expect(Math.abs((read?.epochMs ?? 0) - (startMs + crop.mediaTimeSec * 1000))).toBeLessThanOrEqual(17)
    }
  }, 60_000)

  it('sampleGlassToGlass returns capture time − clock for each readable frame', async () => {
    if (page === undefined) throw new Error('no page')
    const before = Date.now()
    // Unreadable frames are dropped by design (a looping file, a busy machine); most must be read.
    const l = await sampleGlassToGlass(page, 4, 200)
    expect(l.length).toBeGreaterThanOrEqual(2)
    // The file was encoded at startMs; each frame's clock is at most 4 s after it, and it is read later.
    for (const x of l) {
      expect(x).toBeGreaterThan((before - startMs) / 1000 - 4.1)
      expect(x).toBeLessThan((Date.now() - startMs) / 1000 + 0.1)
    }
  }, 60_000)

  it('returns undefined when no video is playing', async () => {
    if (browser === undefined) throw new Error('no browser')
    const p = await browser.newPage()
    await p.setContent('<p>no video</p>')
    expect(await captureClockCrop(p)).toBeUndefined()
    await p.close()
  })
})
