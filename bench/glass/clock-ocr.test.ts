import { spawn } from 'node:child_process'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { CLOCK_CROP_OF_HEIGHT, cameraArgs } from '../../origin/demo/cameras.ts'
import { MAX_CLOCK_SKEW_MS, parseClockText, readBurntInClock, tesseractAvailable } from './clock-ocr.ts'

const at = (iso: string): number => Date.parse(iso)

describe('parseClockText', () => {
  it.each([
    ['same day', '12:34:56.789', at('2026-11-25T12:35:10Z'), at('2026-11-25T12:34:56.789Z')],
    ['surrounding whitespace', ' 12:34:56.789\n', at('2026-11-25T12:34:57Z'), at('2026-11-25T12:34:56.789Z')],
    ['clock ahead of capture', '12:34:56.789', at('2026-11-25T12:34:50Z'), at('2026-11-25T12:34:56.789Z')],
    ['clock before midnight, capture after', '23:59:59.900', at('2026-11-26T00:00:01Z'), at('2026-11-25T23:59:59.900Z')],
    ['clock after midnight, capture before', '00:00:00.100', at('2026-11-25T23:59:59Z'), at('2026-11-26T00:00:00.100Z')],
    ['exactly 60 s skew', '12:00:00.000', at('2026-11-25T12:01:00Z'), at('2026-11-25T12:00:00Z')],
    ['60.001 s skew', '12:00:00.000', at('2026-11-25T12:01:00.001Z'), undefined],
    ['an hour off', '11:34:56.789', at('2026-11-25T12:34:56Z'), undefined],
    ['hour 24', '24:00:00.000', at('2026-11-25T23:59:59Z'), undefined],
    ['minute 60', '12:60:00.000', at('2026-11-25T12:59:59Z'), undefined],
    ['second 60', '12:34:60.000', at('2026-11-25T12:35:00Z'), undefined],
    ['two-digit millis', '12:34:56.78', at('2026-11-25T12:34:56Z'), undefined],
    ['missing colon', '1234:56.789', at('2026-11-25T12:34:56Z'), undefined],
    ['extra digit', '12:34:56.7890', at('2026-11-25T12:34:56Z'), undefined],
    ['empty', '', at('2026-11-25T12:34:56Z'), undefined],
    ['letters', '12:3a:56.789', at('2026-11-25T12:34:56Z'), undefined],
  ])('%s', (_name, text, capture, expected) => {
    expect(parseClockText(text, capture)).toBe(expected)
  })

  it('round-trips any time within the allowed skew', () => {
    const fmt = (t: number): string => new Date(t).toISOString().slice(11, 23)
    fc.assert(
      fc.property(fc.integer({ min: at('2000-01-01T00:00:00Z'), max: at('2100-01-01T00:00:00Z') }), fc.integer({ min: -MAX_CLOCK_SKEW_MS, max: MAX_CLOCK_SKEW_MS }), (t, skew) => {
        expect(parseClockText(fmt(t), t + skew)).toBe(t)
      }),
    )
  })
})

/** Runs ffmpeg and returns stdout. */
function ffmpeg(args: string[], input?: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    let err = ''
    child.stdout.on('data', (d: Buffer) => out.push(d))
    child.stderr.on('data', (d: Buffer) => { err += d.toString() })
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`ffmpeg ${String(code)}: ${err}`))))
    child.stdin.end(input)
  })
}

/** The camera's first frame with its clock at `epochMs`, cropped like the bench crops the page. */
async function cameraCrop(epochMs: number, height: number, viaH264: boolean, renditionHeight = height, clock: 'media' | 'wall' = 'media'): Promise<Buffer> {
  const args = cameraArgs({ url: 'rtmp://127.0.0.1/live/fixture', label: 'Fixture cam', width: Math.round((height * 16) / 9), height, clock }, epochMs)
  const graph = args[args.indexOf('lavfi') + 2] ?? ''
  const c = CLOCK_CROP_OF_HEIGHT
  const r = renditionHeight
  const crop = `scale=-2:${r},crop=${Math.round(c.w * r)}:${Math.round(c.h * r)}:${Math.round(c.x * r)}:${Math.round(c.y * r)}`
  if (!viaH264) return ffmpeg(['-f', 'lavfi', '-i', graph, '-frames:v', '1', '-vf', crop, '-f', 'image2pipe', '-c:v', 'png', 'pipe:1'])
  // Through a low-bitrate H.264 encode, as a transcoded rendition would show it.
  const ts = await ffmpeg(['-f', 'lavfi', '-i', graph, '-frames:v', '1', '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '32', '-pix_fmt', 'yuv420p', '-f', 'mpegts', 'pipe:1'])
  return ffmpeg(['-f', 'mpegts', '-i', 'pipe:0', '-frames:v', '1', '-vf', crop, '-f', 'image2pipe', '-c:v', 'png', 'pipe:1'], ts)
}

describe('readBurntInClock on camera frames', () => {
  beforeAll(() => {
    if (!tesseractAvailable()) throw new Error('tesseract is not installed: apt-get install tesseract-ocr tesseract-ocr-eng (needed by bench/glass)')
  })

  it.each([
    ['2026-11-25T12:34:56.789Z', 360, false],
    ['2026-11-25T23:59:58.987Z', 720, false],
    ['2026-11-25T00:00:00.000Z', 360, false],
    ['2026-11-25T07:18:29.406Z', 720, true],
    ['2026-11-25T16:40:13.052Z', 360, true],
    ['2026-11-25T09:05:41.263Z', 540, true],
    ['2026-11-25T21:47:35.614Z', 720, true, 360],
  ] as const)('reads %s at %ip (h264: %s, rendition %ip)', async (iso, height, viaH264, rendition?: number) => {
    const t = at(iso)
    const png = await cameraCrop(t, height, viaH264, rendition)
    const read = await readBurntInClock(png, t + 2500)
    expect(read).toEqual({ epochMs: t, text: iso.slice(11, 23) })
  })

  it('reads the wall clock a default camera draws as the time it was drawn', async () => {
    const before = Date.now()
    const png = await cameraCrop(0, 360, true, 360, 'wall')
    const after = Date.now()
    const read = await readBurntInClock(png, after)
    expect(read?.epochMs).toBeGreaterThanOrEqual(before)
    expect(read?.epochMs).toBeLessThanOrEqual(after)
  })

  it('rejects a read far from the capture time', async () => {
    const t = at('2026-11-25T12:34:56.789Z')
    expect(await readBurntInClock(await cameraCrop(t, 360, false), t + 5 * 60_000)).toBeUndefined()
  })

  it('returns undefined for a picture without a clock', async () => {
    const png = await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=270x38:rate=1', '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'png', 'pipe:1'])
    expect(await readBurntInClock(png, Date.now())).toBeUndefined()
  })
})
