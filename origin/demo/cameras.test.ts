import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { CLOCK_CROP_OF_HEIGHT, cameraArgs, clockGeometry } from './cameras.ts'

/** The camera's first frame, cropped to `CLOCK_CROP_OF_HEIGHT`, as 8-bit grey pixels. */
function clockCropGray(height: number): Promise<{ px: Buffer; w: number; h: number }> {
  const args = cameraArgs({ url: 'rtmp://127.0.0.1/live/k', label: 'A long label under the clock', width: Math.round((height * 16) / 9), height }, Date.UTC(2026, 10, 25, 8, 8, 8, 888))
  const graph = args[args.indexOf('lavfi') + 2] ?? ''
  const c = CLOCK_CROP_OF_HEIGHT
  const w = Math.round(c.w * height)
  const h = Math.round(c.h * height)
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'lavfi', '-i', graph, '-frames:v', '1', '-vf', `format=gray,crop=${w}:${h}:${Math.round(c.x * height)}:${Math.round(c.y * height)}`, '-f', 'rawvideo', 'pipe:1'])
    const out: Buffer[] = []
    child.stdout.on('data', (d: Buffer) => out.push(d))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve({ px: Buffer.concat(out), w, h }) : reject(new Error(`ffmpeg exited ${String(code)}`))))
  })
}

describe('synthetic camera clock', () => {
  it.each([
    [360, { fontPx: 36, marginPx: 10, borderPx: 7, labelYPx: 76 }],
    [720, { fontPx: 72, marginPx: 20, borderPx: 14, labelYPx: 152 }],
    [100, { fontPx: 12, marginPx: 4, borderPx: 2, labelYPx: 25 }],
  ])('geometry at %ip', (h, expected) => {
    expect(clockGeometry(h)).toEqual(expected)
  })

  it('draws the clock in an opaque box', () => {
    const args = cameraArgs({ url: 'rtmp://127.0.0.1/live/k', label: 'x', height: 360 }, 0)
    const vf = args[args.indexOf('lavfi') + 2] ?? ''
    expect(vf).toContain('fontsize=36:fontcolor=white:box=1:boxcolor=black:boxborderw=7:x=10:y=10:')
  })

  // The OCR crop must lie inside the solid box (dark border all round) and contain the digits.
  it.each([360, 540, 720])('the clock crop at %ip is inside the box and holds text', async (height) => {
    const { px, w, h } = await clockCropGray(height)
    expect(px.length).toBe(w * h)
    const border: number[] = []
    for (let x = 0; x < w; x++) border.push(px[x] ?? 255, px[(h - 1) * w + x] ?? 255)
    for (let y = 0; y < h; y++) border.push(px[y * w] ?? 255, px[y * w + w - 1] ?? 255)
    expect(Math.max(...border)).toBeLessThan(48)
    expect([...px].filter((v) => v > 200).length).toBeGreaterThan(w * h * 0.1)
  })
})
