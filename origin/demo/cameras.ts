/**
 * Synthetic cameras for the demo and the integration tests: an ffmpeg test pattern with the
 * wall clock burnt in (HH:MM:SS.mmm, UTC) and a sine tone, published in real time (`-re`) over
 * RTMP (`rtmp://…`) or SRT (`srt://…`), so latency can be read off the picture.
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
  const size = Math.max(12, Math.round(h / 10))
  const font = existsSync(FONT) ? `fontfile=${FONT}:` : ''
  const clock = `%{pts\\:gmtime\\:${start}\\:%H\\\\\\:%M\\\\\\:%S}.%{eif\\:mod((t+${frac.toFixed(3)})*1000\\,1000)\\:d\\:3}`
  const draw = [
    `drawtext=${font}fontsize=${size}:fontcolor=white:box=1:boxcolor=black@0.6:x=10:y=10:text='${clock}'`,
    `drawtext=${font}fontsize=${Math.round(size * 0.6)}:fontcolor=white:box=1:boxcolor=black@0.6:x=10:y=${size + 20}:text='${escapeText(o.label)}'`,
  ].join(',')
  const pattern = o.pattern ?? 'testsrc2'
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-re']
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
