/**
 * Synthetic cameras for the demo and the integration tests: an ffmpeg test pattern with the
 * wall clock burnt in (HH:MM:SS.mmm, UTC) and a sine tone, published in real time (`-re`) over
 * RTMP (`rtmp://…`) or SRT (`srt://…`), so latency can be read off the picture (bench/glass does).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'

/** Camera settings. */
export interface SyntheticCameraOptions {
  /** `rtmp://host:port/live/<key>` or `srt://host:port?streamid=publish:<key>[&passphrase=…]`. */
  url: string
  /** Text shown under the clock. */
  label: string
  width?: number
  height?: number
  fps?: number
  /** Stop after this many seconds (default: run until stopped). */
  durationSec?: number
  /** Tone frequency in Hz. */
  toneHz?: number
  /** `testsrc2` (default) or `smptebars`. */
  pattern?: 'testsrc2' | 'smptebars'
  ffmpegPath?: string
  /**
   * What the burnt-in clock shows. `wall` (default): the wall clock when the frame is drawn, like a
   * real camera stamping at capture, so ffmpeg's start-up and any lag behind real time count as
   * camera latency. `media`: the start time plus the frame's timestamp — deterministic, for fixtures.
   */
  clock?: 'wall' | 'media'
  /** Receives ffmpeg's stderr lines (errors only). */
  onLog?: (line: string) => void
}

/** A running camera. */
export interface SyntheticCamera {
  readonly process: ChildProcess
  /** Resolves with ffmpeg's exit code when the camera stops for any reason. */
  readonly exited: Promise<number | null>
  /** Stops the camera (SIGINT, then SIGKILL) and waits for it. */
  stop(): Promise<number | null>
}

const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf'

/** Where the burnt-in clock sits, in pixels of a frame `h` pixels high (everything scales with `h`). */
export interface ClockGeometry {
  fontPx: number
  /** Left and top offset of the clock text. */
  marginPx: number
  /** Solid box border around the clock text. */
  borderPx: number
  /** Top of the label under the clock. */
  labelYPx: number
}

/** Clock layout for a frame height: font 1/10 of the height, margins and border proportional. */
export function clockGeometry(h: number): ClockGeometry {
  const fontPx = Math.max(12, Math.round(h / 10))
  const marginPx = Math.max(4, Math.round(h / 36))
  const borderPx = Math.max(2, Math.round(fontPx / 5))
  return { fontPx, marginPx, borderPx, labelYPx: marginPx + Math.round(fontPx * 1.2) + 2 * borderPx + Math.round(fontPx / 4) }
}

/**
 * The clock's box as fractions of the frame height (x, y, width, height), for cropping any rendition
 * of a camera: "HH:MM:SS.mmm" is 12 monospace glyphs of about 0.6 em.
 */
export const CLOCK_CROP_OF_HEIGHT = { x: 0.012, y: 0.012, w: 0.75, h: 0.105 } as const

/** drawtext escaping for a literal label. */
function escapeText(s: string): string {
  return s.replace(/[\\':%,;[\]=]/g, '')
}

/** The ffmpeg arguments for a camera (exported for tests). */
export function cameraArgs(o: SyntheticCameraOptions, startEpochMs: number): string[] {
  const w = o.width ?? 640
  const h = o.height ?? 360
  const fps = o.fps ?? 30
  const start = (startEpochMs / 1000).toFixed(3)
  const frac = (startEpochMs % 1000) / 1000
  const g = clockGeometry(h)
  const font = existsSync(FONT) ? `fontfile=${FONT}:` : ''
  const wall = (o.clock ?? 'wall') === 'wall'
  // time(0) is ffmpeg's wall clock in seconds (µs resolution), evaluated as the frame is drawn.
  const wallClock = [
    '%{eif\\:mod(floor(time(0)/3600)\\,24)\\:d\\:2}',
    '%{eif\\:mod(floor(time(0)/60)\\,60)\\:d\\:2}',
    '%{eif\\:mod(floor(time(0))\\,60)\\:d\\:2}.%{eif\\:mod(floor(time(0)*1000)\\,1000)\\:d\\:3}',
  ].join('\\\\\\:')
  const mediaClock = `%{pts\\:gmtime\\:${start}\\:%H\\\\\\:%M\\\\\\:%S}.%{eif\\:mod((t+${frac.toFixed(3)})*1000\\,1000)\\:d\\:3}`
  const clock = wall ? wallClock : mediaClock
  // An opaque box and a fixed, height-relative position keep the clock machine-readable (bench/glass).
  const draw = [
    `drawtext=${font}fontsize=${g.fontPx}:fontcolor=white:box=1:boxcolor=black:boxborderw=${g.borderPx}:x=${g.marginPx}:y=${g.marginPx}:text='${clock}'`,
    `drawtext=${font}fontsize=${Math.round(g.fontPx * 0.6)}:fontcolor=white:box=1:boxcolor=black@0.6:x=${g.marginPx}:y=${g.labelYPx}:text='${escapeText(o.label)}'`,
  ].join(',')
  const pattern = o.pattern ?? 'testsrc2'
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-re']
  // A one-packet input queue: ffmpeg otherwise draws frames several frames ahead of sending them.
  if (wall) args.push('-thread_queue_size', '1')
  args.push('-f', 'lavfi', '-i', `${pattern}=size=${w}x${h}:rate=${fps},${draw}`)
  args.push('-re', '-f', 'lavfi', '-i', `sine=frequency=${o.toneHz ?? 440}:sample_rate=48000`)
  if (o.durationSec !== undefined) args.push('-t', String(o.durationSec))
  args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', String(fps), '-pix_fmt', 'yuv420p', '-b:v', '1500k')
  args.push('-c:a', 'aac', '-b:a', '96k', '-ar', '48000', '-ac', '2')
  if (o.url.startsWith('srt://')) args.push('-f', 'mpegts', o.url)
  else args.push('-f', 'flv', o.url)
  return args
}

/** Starts publishing a synthetic camera. */
export function startSyntheticCamera(o: SyntheticCameraOptions): SyntheticCamera {
  const child = spawn(o.ffmpegPath ?? 'ffmpeg', cameraArgs(o, Date.now()), { stdio: ['ignore', 'ignore', 'pipe'] })
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (d: string) => {
    for (const line of d.split(/\r?\n/)) if (line.trim() !== '') o.onLog?.(line)
  })
  const exited = new Promise<number | null>((resolve) => {
    child.once('close', (code) => resolve(code))
    child.once('error', () => resolve(-1))
  })
  return {
    process: child,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGINT')
        const t = setTimeout(() => child.kill('SIGKILL'), 3000)
        const code = await exited
        clearTimeout(t)
        return code
      }
      return exited
    },
  }
}
