import { describe, expect, it } from 'vitest'
import { parseProgress, redactLine, splitLines } from './stats.ts'

describe('ffmpeg stderr', () => {
  it.each<[string, ReturnType<typeof parseProgress>]>([
    ['frame=  120 fps= 30 q=23.0 size=N/A time=00:00:04.00 bitrate=N/A speed=1.01x', { frame: 120, fps: 30, speed: 1.01 }],
    ['frame=    3 fps=0.0 q=0.0 size=N/A time=00:00:00.00 bitrate=N/A speed=N/A', { frame: 3, fps: 0, speed: Number.NaN }],
    ['[mp4 @ 0x1] Track 1 starts with a nonzero dts', undefined],
    ['', undefined],
  ])('parses %j', (line, expected) => {
    expect(parseProgress(line)).toEqual(expected)
  })

  it('splits on CR and LF and keeps the tail', () => {
    const a = splitLines('', 'frame=1 speed=1x\rframe=2 speed=1x\nwarn')
    expect(a).toEqual({ lines: ['frame=1 speed=1x', 'frame=2 speed=1x'], tail: 'warn' })
    expect(splitLines(a.tail, 'ing\n')).toEqual({ lines: ['warning'], tail: '' })
  })

  it('drops a runaway tail', () => {
    expect(splitLines('', 'x'.repeat(5000)).tail).toBe('')
  })

  it('redacts the SRT passphrase and stream id', () => {
    expect(redactLine('srt://127.0.0.1:5?mode=listener&passphrase=hunter22hunter&latency=1: Input/output error')).toBe(
      'srt://127.0.0.1:5?mode=listener&passphrase=[redacted]&latency=1: Input/output error',
    )
  })
})
