/**
 * Live measurement with a real encoder: one ffmpeg (test pattern + tone, `-re`) produces the default
 * 720p + 360p ladder as CMAF on two pipes, fed straight into our packager store. Reports the live edge
 * lag (wall clock when a part lands minus that part's PDT end) and ffmpeg's CPU seconds per media second.
 */
import { spawn } from 'node:child_process'
import { BoxSplitter } from '../../origin/ingest/transcoder/box-splitter.ts'
import { packagerConfig } from '../../origin/packager/config.ts'
import { createLiveStore } from '../../origin/packager/live-store.ts'
import { type InitInfo, parseFragment, parseInit } from '../../origin/packager/mp4-boxes.ts'
import { primaryTrack } from '../../origin/packager/rendition.ts'
import { cpuSeconds } from './procs.ts'
import { wallMs } from './raw-http.ts'

/** Figures of one live run. */
export interface LiveLadderResult {
  mode: 'direct-ffmpeg-pipe'
  note: string
  mediaSec: number
  parts: number
  edgeLagP50Ms: number | null
  edgeLagP95Ms: number | null
  edgeLagMinMs: number | null
  ffmpegCpuSecPerMediaSec: number | null
  ffmpegCpuSource: string
}

/** Quantile of sorted numbers (nearest rank). */
export function quantile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? null
}

const LADDER = [
  { name: '720p', width: 1280, height: 720, videoBitrateKbps: 2500, audioBitrateKbps: 128, fps: 30 },
  { name: '360p', width: 640, height: 360, videoBitrateKbps: 800, audioBitrateKbps: 96, fps: 30 },
]

function ffmpegArgs(seconds: number): string[] {
  const out = (i: number, fd: number): string[] => {
    const r = LADDER[i] ?? LADDER[0]
    if (r === undefined) return []
    return [
      '-map', `[v${i}]`, '-map', '1:a',
      '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-g', '30', '-keyint_min', '30', '-sc_threshold', '0',
      '-pix_fmt', 'yuv420p', '-b:v', `${r.videoBitrateKbps}k`, '-c:a', 'aac', '-b:a', `${r.audioBitrateKbps}k`,
      '-f', 'mp4', '-movflags', '+empty_moov+default_base_moof+frag_keyframe+cmaf+skip_trailer', '-frag_duration', '333333', `pipe:${fd}`,
    ]
  }
  return [
    '-hide_banner', '-nostats', '-loglevel', 'info', '-benchmark',
    '-re', '-t', String(seconds), '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30',
    '-re', '-t', String(seconds), '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-filter_complex', '[0:v]split=2[a][b];[a]scale=1280:720[v0];[b]scale=640:360[v1]',
    ...out(0, 1), ...out(1, 3),
  ]
}

/** Runs ffmpeg for `seconds` of media into a packager store and measures lag and encoder cost. */
export async function measureLiveLadder(seconds: number): Promise<LiveLadderResult> {
  const store = createLiveStore(packagerConfig())
  const target = { event: 'bench', angle: 'live' }
  const spawnMs = Date.now()
  store.begin(target, LADDER, spawnMs)
  const child = spawn('ffmpeg', ffmpegArgs(seconds), { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] })
  const lags: number[] = []
  let parts = 0
  let mediaSec = 0
  let lastCpu: number | null = null
  let benchLine = ''
  const poll = setInterval(() => {
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        lastCpu = cpuSeconds(child.pid)
      } catch {
        // Exited between the check and the read.
      }
    }
  }, 200)

  child.stderr?.on('data', (d: Buffer) => {
    const m = /bench: utime=([\d.]+)s stime=([\d.]+)s/.exec(d.toString())
    if (m !== null) benchLine = m[0]
  })

  const wire = (stream: NodeJS.ReadableStream | null | undefined, rendition: string): Promise<void> =>
    new Promise((resolve) => {
      const splitter = new BoxSplitter()
      let init: InitInfo | undefined
      stream?.on('data', (chunk: Buffer) => {
        const { events } = splitter.push(new Uint8Array(chunk))
        for (const ev of events) {
          if (ev.kind === 'init') {
            const p = parseInit(ev.bytes)
            init = p.ok ? p.value : undefined
            store.init(target, rendition, ev.bytes)
            continue
          }
          const track = init === undefined ? undefined : primaryTrack(init)
          const f = init === undefined ? undefined : parseFragment(ev.bytes, init)
          const run = f?.ok === true ? f.value.runs.find((r) => r.trackId === track?.trackId) : undefined
          if (run === undefined || track === undefined) continue
          // PDT: the ingest clock of the first sample, anchored at ffmpeg's spawn (so ffmpeg's start-up counts as lag).
          const startMs = spawnMs + (run.baseDecodeTime / track.timescale) * 1000
          const endMs = startMs + (run.duration / track.timescale) * 1000
          store.fragment(target, rendition, ev.bytes, Math.round(startMs))
          if (rendition === '720p') {
            lags.push(wallMs() - endMs)
            parts++
            mediaSec = (run.baseDecodeTime + run.duration) / track.timescale
          }
        }
      })
      stream?.on('end', () => resolve())
    })

  const stdio = child.stdio as unknown as (NodeJS.ReadableStream | null)[]
  const done = Promise.all([wire(stdio[1], '720p'), wire(stdio[3], '360p')])
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const killer = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000)
  await done
  await exit
  clearTimeout(killer)
  clearInterval(poll)
  store.end(target, Date.now())

  const m = /utime=([\d.]+)s stime=([\d.]+)s/.exec(benchLine)
  const cpu = m !== null ? Number(m[1]) + Number(m[2]) : lastCpu
  const sorted = [...lags].sort((a, b) => a - b)
  const round = (x: number | null): number | null => (x === null ? null : Math.round(x))
  return {
    mode: 'direct-ffmpeg-pipe',
    note: 'ffmpeg CMAF pipes fed straight into the packager store (no RTMP/SRT hop); PDT anchored at ffmpeg spawn, so start-up is included in the lag',
    mediaSec,
    parts,
    edgeLagP50Ms: round(quantile(sorted, 0.5)),
    edgeLagP95Ms: round(quantile(sorted, 0.95)),
    edgeLagMinMs: round(sorted[0] ?? null),
    ffmpegCpuSecPerMediaSec: cpu === null || mediaSec === 0 ? null : Number((cpu / mediaSec).toFixed(3)),
    ffmpegCpuSource: m !== null ? 'ffmpeg -benchmark utime+stime' : '/proc/<pid>/stat (last sample before exit)',
  }
}
