/**
 * Glass-to-glass latency from the picture: in a page playing a synthetic camera, draw the frame on
 * screen to a canvas, export just the burnt-in clock box as PNG together with the time it was on
 * screen, and later subtract the clock read off it. Unlike PDT-based latency this includes the
 * camera's encode and the RTMP/SRT hop.
 */
import type { Page } from 'playwright-core'
import { CLOCK_CROP_OF_HEIGHT } from '../../origin/demo/cameras.ts'
import { readBurntInClock } from './clock-ocr.ts'

/** The clock box of one frame, captured in the page. */
export interface ClockCrop {
  /** PNG of the clock box at the video's native resolution. */
  png: Buffer
  /** Wall clock (epoch ms, page's Date.now()) when this frame was on screen. */
  capturedAtMs: number
  /** The frame's media time (presentation timestamp), seconds; `currentTime` when not `exact`. */
  mediaTimeSec: number
  /**
   * True when grabbed in requestVideoFrameCallback (media time is that frame's); false when no frame
   * was presented within 2 s and the current picture was grabbed (its clock and capture time still agree).
   */
  exact: boolean
}

/**
 * Captures the clock box of the frame on screen in the page's first `<video>`, or undefined when no
 * frame is playing. Waits for the next presented frame (requestVideoFrameCallback) so the capture
 * time belongs to that frame; falls back to the current picture after 2 s.
 */
export async function captureClockCrop(page: Page, selector = 'video'): Promise<ClockCrop | undefined> {
  const r = await page.evaluate(async ({ sel, crop }) => {
    const v = document.querySelector(sel)
    if (!(v instanceof HTMLVideoElement) || v.paused || v.readyState < 2 || v.videoHeight === 0) return null
    const h = v.videoHeight
    const sx = Math.round(crop.x * h)
    const sy = Math.round(crop.y * h)
    const sw = Math.min(v.videoWidth - sx, Math.round(crop.w * h))
    const sh = Math.round(crop.h * h)
    const c = document.createElement('canvas')
    c.width = sw
    c.height = sh
    const ctx = c.getContext('2d')
    if (ctx === null) return null
    // No named functions in here: tsx (esbuild keepNames) would wrap them in a `__name` helper that
    // does not exist in the page. The draw follows the frame callback within the same task.
    const frame = await new Promise<{ mediaTime: number; exact: boolean }>((done) => {
      const t = setTimeout(() => { done({ mediaTime: v.currentTime, exact: false }) }, 2000)
      v.requestVideoFrameCallback((_now, meta) => { clearTimeout(t); done({ mediaTime: meta.mediaTime, exact: true }) })
    })
    ctx.drawImage(v, sx, sy, sw, sh, 0, 0, sw, sh)
    const at = Date.now()
    return { dataUrl: c.toDataURL('image/png'), at, mediaTime: frame.mediaTime, exact: frame.exact }
  }, { sel: selector, crop: CLOCK_CROP_OF_HEIGHT })
  if (r === null) return undefined
  return { png: Buffer.from(r.dataUrl.slice(r.dataUrl.indexOf(',') + 1), 'base64'), capturedAtMs: r.at, mediaTimeSec: r.mediaTime, exact: r.exact }
}

/** Capture time − burnt-in clock, seconds; undefined when the clock could not be read plausibly. */
export async function glassToGlassSec(crop: ClockCrop): Promise<number | undefined> {
  const read = await readBurntInClock(crop.png, crop.capturedAtMs)
  return read === undefined ? undefined : (crop.capturedAtMs - read.epochMs) / 1000
}

/** OCRs crops one after another (Tesseract is CPU-heavy) and returns the latencies that read. */
export async function glassToGlassOf(crops: readonly ClockCrop[]): Promise<number[]> {
  const out: number[] = []
  for (const c of crops) {
    const l = await glassToGlassSec(c)
    if (l !== undefined) out.push(l)
  }
  return out
}

/**
 * Takes `n` captures `intervalMs` apart from `page`, then OCRs them, and returns the glass-to-glass
 * latencies in seconds (unreadable frames are dropped, so the result may be shorter than `n`).
 */
export async function sampleGlassToGlass(page: Page, n: number, intervalMs: number): Promise<number[]> {
  const crops: ClockCrop[] = []
  for (let i = 0; i < n; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, intervalMs))
    const c = await captureClockCrop(page).catch(() => undefined)
    if (c !== undefined) crops.push(c)
  }
  return glassToGlassOf(crops)
}
