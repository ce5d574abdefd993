import { describe, expect, it } from 'vitest'
import { outputFd, transcodeArgs, type TranscodeArgsOptions } from './args.ts'

const ladder = [
  { name: '720p', width: 1280, height: 720, videoBitrateKbps: 2800, audioBitrateKbps: 128, fps: 30 },
  { name: '360p', width: 640, height: 360, videoBitrateKbps: 800, audioBitrateKbps: 96, fps: 25 },
]
const base: TranscodeArgsOptions = { input: { kind: 'flv' }, renditions: ladder, segmentMs: 1000, partTargetMs: 333, probeBytes: 32768, analyzeDurationUs: 0, x264Preset: 'veryfast' }

/** Values following each occurrence of `flag`. */
const values = (args: string[], flag: string): string[] => args.flatMap((a, i) => (a === flag ? [args[i + 1] ?? ''] : []))

describe('transcodeArgs', () => {
  it.each([
    [0, 1],
    [1, 3],
    [2, 4],
  ])('rendition %i goes to fd %i', (i, fd) => {
    expect(outputFd(i)).toBe(fd)
  })

  it('reads FLV from stdin with a bounded probe', () => {
    const a = transcodeArgs(base)
    expect(a.join(' ')).toContain('-fflags +nobuffer -probesize 32768 -analyzeduration 0 -f flv -i pipe:0')
  })

  it('reads a URL input as given', () => {
    const a = transcodeArgs({ ...base, input: { kind: 'url', url: 'srt://127.0.0.1:9?mode=listener' } })
    expect(values(a, '-i')).toEqual(['srt://127.0.0.1:9?mode=listener'])
  })

  it('splits once and scales per rendition', () => {
    const fc = values(transcodeArgs(base), '-filter_complex')[0] ?? ''
    expect(fc).toMatch(/^\[0:v\]split=2\[s0\]\[s1\];/)
    expect(fc).toContain('[s0]fps=30,scale=1280:720')
    expect(fc).toContain('[s1]fps=25,scale=640:360')
  })

  it('fixes the GOP to fps × segment duration with no scene-cut keyframes', () => {
    const a = transcodeArgs({ ...base, segmentMs: 2000 })
    expect(values(a, '-g')).toEqual(['60', '50'])
    expect(values(a, '-keyint_min')).toEqual(['60', '50'])
    expect(values(a, '-sc_threshold')).toEqual(['0', '0'])
    expect(values(a, '-tune')).toEqual(['zerolatency', 'zerolatency'])
  })

  it('writes one CMAF output per rendition to pipe:1, pipe:3 with the part duration in µs', () => {
    const a = transcodeArgs(base)
    expect(values(a, '-frag_duration')).toEqual(['333000', '333000'])
    expect(values(a, '-movflags')).toEqual(Array(2).fill('+empty_moov+default_base_moof+frag_keyframe+cmaf+skip_trailer'))
    expect(a.filter((x) => x.startsWith('pipe:'))).toEqual(['pipe:0', 'pipe:1', 'pipe:3'])
    expect(values(a, '-b:v')).toEqual(['2800k', '800k'])
    expect(values(a, '-map')).toEqual(['[v0]', '0:a?', '[v1]', '0:a?'])
  })
})
