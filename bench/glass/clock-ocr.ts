/**
 * Reads the synthetic camera's burnt-in wall clock (`HH:MM:SS.mmm`, UTC, see origin/demo/cameras.ts)
 * off a crop of a video frame: ffmpeg upscales and binarizes the crop, Tesseract reads one line of
 * digits, and a pure parser turns the text into an epoch time near the capture time.
 */
import { spawn, spawnSync } from 'node:child_process'

/** A clock read off a picture. */
export interface ClockRead {
  /** The burnt-in time as epoch milliseconds (UTC, on the day nearest the capture time). */
  epochMs: number
  /** What Tesseract read, trimmed. */
  text: string
}

/** Reads further than this from the capture time are treated as misreads. */
export const MAX_CLOCK_SKEW_MS = 60_000

const DAY_MS = 86_400_000
const CLOCK_RE = /^(\d{2}):(\d{2}):(\d{2})\.(\d{3})$/

/**
 * Parses OCR text of the form `HH:MM:SS.mmm` (UTC) into epoch milliseconds, choosing the day
 * (capture day, the one before or after) that puts it nearest `captureEpochMs`. Returns undefined for
 * anything else, out-of-range fields, or a time more than {@link MAX_CLOCK_SKEW_MS} from the capture.
 */
export function parseClockText(text: string, captureEpochMs: number): number | undefined {
  const m = CLOCK_RE.exec(text.replace(/\s+/g, ''))
  if (m === null) return undefined
  const [hh, mm, ss, ms] = m.slice(1).map(Number) as [number, number, number, number]
  if (hh > 23 || mm > 59 || ss > 59) return undefined
  const ofDay = ((hh * 60 + mm) * 60 + ss) * 1000 + ms
  const dayStart = Math.floor(captureEpochMs / DAY_MS) * DAY_MS
  let best: number | undefined
  for (const d of [-1, 0, 1]) {
    const t = dayStart + d * DAY_MS + ofDay
    if (best === undefined || Math.abs(t - captureEpochMs) < Math.abs(best - captureEpochMs)) best = t
  }
  return best !== undefined && Math.abs(best - captureEpochMs) <= MAX_CLOCK_SKEW_MS ? best : undefined
}

/** True when the `tesseract` binary runs. */
export function tesseractAvailable(bin = 'tesseract'): boolean {
  const r = spawnSync(bin, ['--version'], { stdio: 'ignore' })
  return r.status === 0
}

/**
 * Makes sure Tesseract is installed, installing Debian's `tesseract-ocr` and `tesseract-ocr-eng`
 * with apt-get when absent (like scripts/ensure-deps.sh does for ffmpeg). Throws when that fails.
 */
export function ensureTesseract(log: (m: string) => void = () => undefined): void {
  if (tesseractAvailable()) return
  const sudo = process.getuid?.() === 0 ? [] : ['sudo']
  log('tesseract missing: apt-get install tesseract-ocr tesseract-ocr-eng')
  const run = (args: string[]): void => {
    const cmd = [...sudo, ...args]
    spawnSync(cmd[0] ?? 'apt-get', cmd.slice(1), { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
  }
  run(['apt-get', 'update', '-qq'])
  run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'tesseract-ocr', 'tesseract-ocr-eng'])
  if (!tesseractAvailable()) throw new Error('tesseract is not installed and apt-get could not install tesseract-ocr tesseract-ocr-eng')
}

/** Runs a process with `input` on stdin and returns its stdout; rejects on a non-zero exit or timeout. */
function pipeThrough(bin: string, args: string[], input: Buffer, timeoutMs = 15_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    let err = ''
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.stdout.on('data', (d: Buffer) => out.push(d))
    child.stderr.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-2000) })
    child.on('error', (e) => { clearTimeout(timer); reject(e) })
    child.on('close', (code) => {
      clearTimeout(timer)
      if (code === 0) resolve(Buffer.concat(out))
      else reject(new Error(`${bin} exited with ${String(code)}: ${err.trim()}`))
    })
    // The child may exit before reading everything (bad input): that surfaces as its exit code.
    child.stdin.on('error', () => undefined)
    child.stdin.end(input)
  })
}

/**
 * Grey, 3× bicubic upscale, white text → black on white (Tesseract reads dark text best), plus a
 * white margin so glyphs do not touch the border.
 */
const PREPROCESS = "format=gray,scale=iw*3:ih*3:flags=bicubic,lut=y='if(gt(val\\,128)\\,0\\,255)',pad=iw+48:ih+48:24:24:white"

/** Binarizes a PNG crop of the clock (white on dark) into an OCR-ready PNG. */
export async function binarizeClockCrop(png: Buffer, ffmpegPath = 'ffmpeg'): Promise<Buffer> {
  return pipeThrough(ffmpegPath, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'png_pipe', '-i', 'pipe:0', '-vf', PREPROCESS, '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'png', 'pipe:1'], png)
}

/** Runs Tesseract on one line of clock digits and returns the trimmed text. */
export async function ocrClockLine(png: Buffer, tesseractPath = 'tesseract'): Promise<string> {
  const out = await pipeThrough(tesseractPath, ['stdin', 'stdout', '--psm', '7', '-c', 'tessedit_char_whitelist=0123456789:.'], png)
  return out.toString('utf8').trim()
}

/**
 * Reads the burnt-in clock from a PNG crop of just the clock box (as `CLOCK_CROP_OF_HEIGHT` in
 * origin/demo/cameras.ts describes it). `captureEpochMs` is when the frame was on screen: it picks the
 * day and rejects implausible reads. Returns undefined when the text is not a plausible clock; rejects
 * only when ffmpeg or Tesseract cannot run.
 */
export async function readBurntInClock(png: Buffer, captureEpochMs: number = Date.now()): Promise<ClockRead | undefined> {
  const text = await ocrClockLine(await binarizeClockCrop(png))
  const epochMs = parseClockText(text, captureEpochMs)
  return epochMs === undefined ? undefined : { epochMs, text }
}
