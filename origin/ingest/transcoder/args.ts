/** Builds the ffmpeg command line for one live angle: one input, a split+scale ladder, CMAF pipes. Pure. */
import type { RenditionSpec } from '../../contract.ts'

/** Where ffmpeg reads the publisher's media. */
export type TranscodeInput = { kind: 'flv' } | { kind: 'url'; url: string }

/** Everything the command line depends on. */
export interface TranscodeArgsOptions {
  input: TranscodeInput
  renditions: readonly RenditionSpec[]
  /** Segment (= GOP) duration in ms. */
  segmentMs: number
  /** Nominal part duration in ms (`-frag_duration`). */
  partTargetMs: number
  /** `-probesize` in bytes. */
  probeBytes: number
  /** `-analyzeduration` in µs. */
  analyzeDurationUs: number
  /** x264 preset, `veryfast` by default. */
  x264Preset: string
}

/** stdio fd carrying rendition `i`: 1 for the first, then 3, 4, … (2 is stderr). */
export function outputFd(i: number): number {
  return i === 0 ? 1 : i + 2
}

/** ffmpeg arguments (without the program name). */
export function transcodeArgs(o: TranscodeArgsOptions): string[] {
  const n = o.renditions.length
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'warning', '-stats', '-stats_period', '1']
  args.push('-fflags', '+nobuffer', '-probesize', String(o.probeBytes), '-analyzeduration', String(o.analyzeDurationUs))
  if (o.input.kind === 'flv') args.push('-f', 'flv', '-i', 'pipe:0')
  else args.push('-i', o.input.url)
  const labels = o.renditions.map((_, i) => `s${i}`)
  const chains = o.renditions.map((r, i) => `[s${i}]fps=${r.fps},scale=${r.width}:${r.height}:force_original_aspect_ratio=disable,setsar=1[v${i}]`)
  args.push('-filter_complex', `[0:v]split=${n}${labels.map((l) => `[${l}]`).join('')};${chains.join(';')}`)
  o.renditions.forEach((r, i) => {
    const gop = String(Math.max(1, Math.round((r.fps * o.segmentMs) / 1000)))
    args.push('-map', `[v${i}]`, '-map', '0:a?')
    args.push('-c:v', 'libx264', '-preset', o.x264Preset, '-tune', 'zerolatency', '-pix_fmt', 'yuv420p')
    args.push('-b:v', `${r.videoBitrateKbps}k`, '-maxrate', `${r.videoBitrateKbps}k`, '-bufsize', `${r.videoBitrateKbps * 2}k`)
    args.push('-g', gop, '-keyint_min', gop, '-sc_threshold', '0')
    args.push('-c:a', 'aac', '-b:a', `${r.audioBitrateKbps}k`, '-ar', '48000', '-ac', '2')
    args.push('-f', 'mp4', '-movflags', '+empty_moov+default_base_moof+frag_keyframe+cmaf+skip_trailer')
    args.push('-frag_duration', String(o.partTargetMs * 1000), '-flush_packets', '1', `pipe:${outputFd(i)}`)
  })
  return args
}
