/**
 * `npm run bench -- origin [--json] [--held 1000,10000] [--rounds 5] [--seconds 4] [--live-seconds 12]
 *   [--full-seconds 20] [--no-player] [--skip-live]`
 *
 * 1. Blocking reload: N keep-alive connections each hold a blocking playlist request on our server
 *    (its own process); a part lands; wake-up delay = response arrival − landing, p50/p99 over rounds.
 *    The same harness then drives a bare uWS server that only writes a same-size body (floor-proc.ts):
 *    the machine's floor for answering that many held requests, reported side by side as a ratio.
 * 2. Part throughput per CPU-second, ours vs nginx (Debian's, one process) serving the same part bytes,
 *    load from a separate process; server CPU from /proc/<pid>/stat.
 * 3. Live: real ffmpeg 720p+360p ladder → packager store: edge lag p50/p95, ffmpeg CPU s per media s;
 *    then the whole origin (`startOrigin`, RTMP camera): edge lag seen by an HTTP client, transcoder CPU,
 *    and hls.js's PDT-based latency in Chromium.
 * `BENCH_CPU_PROF=1` writes V8 CPU profiles of the child processes to /tmp/prof.
 * All traffic goes to 127.0.0.1 only, bounded in count and time.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ChildProcess } from 'node:child_process'
import type { BenchResult } from '../main.ts'
import type { HlsStats } from '../../origin/http/hls-routes.ts'
import { measureLiveLadder, quantile } from './live-ladder.ts'
import { cpuSeconds, forkTs, ipc, startNginx } from './procs.ts'
import { openMany, type RawResponse } from './raw-http.ts'

const here = dirname(fileURLToPath(import.meta.url))
const log = (msg: string): void => {
  process.stderr.write(`[origin] ${msg}\n`)
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

function arg(args: string[], name: string, def: number, min: number, max: number): number {
  const i = args.indexOf(`--${name}`)
  const v = i === -1 ? def : Number(args[i + 1])
  if (!Number.isFinite(v) || v < min || v > max) throw new Error(`--${name} must be ${min}..${max}`)
  return v
}

interface ServerChild {
  child: ChildProcess
  port: number
}

async function startServer(file = 'server-proc.ts'): Promise<ServerChild> {
  const child = forkTs(join(here, file))
  const ready = await ipc<{ port: number }>(child, undefined, 'ready')
  return { child, port: ready.port }
}

async function waitHeld(s: ServerChild, n: number): Promise<number> {
  let held = 0
  for (let i = 0; i < 600 && held < n; i++) {
    held = (await ipc<{ stats: HlsStats }>(s.child, { type: 'stats' }, 'stats')).stats.held
    if (held < n) await sleep(50)
  }
  return held
}

/** Holds `held` blocking requests, lands a part, times every wake-up; `rounds` times. */
async function blockingBench(held: number, rounds: number, floorBodyBytes?: number): Promise<Record<string, unknown>> {
  const s = await startServer(floorBodyBytes === undefined ? 'server-proc.ts' : 'floor-proc.ts')
  if (floorBodyBytes !== undefined) await ipc(s.child, { type: 'body', bytes: floorBodyBytes }, 'body')
  try {
    const conns = await openMany(s.port, held)
    log(`${conns.length} connections open`)
    const delays: number[] = []
    const dispatch: number[] = []
    const dispatchCpu: number[] = []
    let maxHeld = 0
    let non200 = 0
    let bodyBytes = 0
    for (let r = 0; r < rounds; r++) {
      const next = await ipc<{ msn: number; part: number }>(s.child, { type: 'next' }, 'next')
      const path = `/live/bench/main/hi/index.m3u8?_HLS_msn=${next.msn}&_HLS_part=${next.part}`
      const responses: Promise<RawResponse>[] = conns.map((c) => c.get(path))
      const nowHeld = await waitHeld(s, held)
      maxHeld = Math.max(maxHeld, nowHeld)
      const cpuBefore = cpuSeconds(s.child.pid ?? 0)
      const fed = await ipc<{ atMs: number; dispatchMs: number; dispatchCpuMs: number }>(s.child, { type: 'feed', n: 1 }, 'fed')
      const got = await Promise.all(responses)
      dispatch.push(fed.dispatchMs)
      dispatchCpu.push(fed.dispatchCpuMs)
      for (const g of got) {
        if (g.status !== 200) non200++
        delays.push(g.atMs - fed.atMs)
        bodyBytes = g.bodyBytes
      }
      log(`round ${r + 1}: held ${nowHeld}, server dispatch ${fed.dispatchMs.toFixed(1)} ms wall / ${fed.dispatchCpuMs.toFixed(1)} ms cpu, round cpu ${(cpuSeconds(s.child.pid ?? 0) - cpuBefore).toFixed(2)} s`)
    }
    for (const c of conns) c.close()
    const sorted = delays.sort((a, b) => a - b)
    const fix = (x: number | null): number | null => (x === null ? null : Number(x.toFixed(1)))
    return {
      server: floorBodyBytes === undefined ? 'ours' : 'floor: bare uWS answering every held request with a fixed body',
      requestedHeld: held,
      responseBodyBytes: bodyBytes,
      maxHeldConcurrent: maxHeld,
      rounds,
      non200,
      wakeDelayP50Ms: fix(quantile(sorted, 0.5)),
      wakeDelayP99Ms: fix(quantile(sorted, 0.99)),
      wakeDelayMaxMs: fix(sorted[sorted.length - 1] ?? null),
      serverDispatchWallMsMax: fix(Math.max(...dispatch)),
      serverDispatchCpuMsMax: fix(Math.max(...dispatchCpu)),
      note: 'delay = arrival of the complete response at the client process - the moment the server process began adding the part; includes client-side processing of all responses',
    }
  } finally {
    s.child.kill('SIGTERM')
  }
}

async function loadRun(port: number, pid: number, paths: string[], connections: number, seconds: number): Promise<Record<string, number>> {
  const gen = forkTs(join(here, 'loadgen-proc.ts'))
  try {
    await sleep(300)
    const cpu0 = cpuSeconds(pid)
    const r = await ipc<{ requests: number; bytes: number; errors: number; non200: number; elapsedMs: number }>(gen, { port, paths, connections, durationMs: seconds * 1000 }, undefined, (seconds + 60) * 1000)
    const cpu = cpuSeconds(pid) - cpu0
    return {
      requests: r.requests,
      non200: r.non200,
      errors: r.errors,
      partsPerSec: Math.round(r.requests / (r.elapsedMs / 1000)),
      serverCpuSec: Number(cpu.toFixed(2)),
      partsPerCpuSec: Math.round(r.requests / Math.max(cpu, 0.01)),
      mbPerSec: Number((r.bytes / 1e6 / (r.elapsedMs / 1000)).toFixed(1)),
    }
  } finally {
    gen.kill('SIGTERM')
  }
}

/** Parts per CPU-second: ours vs nginx on the same part bytes. */
async function throughputBench(seconds: number, connections: number): Promise<Record<string, unknown>> {
  const s = await startServer()
  const dir = await mkdtemp(join(tmpdir(), 'swarmstage-origin-bench-'))
  let nginx: Awaited<ReturnType<typeof startNginx>> | undefined
  try {
    await ipc(s.child, { type: 'feed', n: 14 }, 'fed')
    const { paths } = await ipc<{ paths: string[] }>(s.child, { type: 'parts' }, 'parts')
    // Mirror the exact bytes into files for nginx.
    for (const p of paths) {
      const res = await fetch(`http://127.0.0.1:${s.port}${p}`)
      const file = join(dir, 'www', p)
      await mkdir(dirname(file), { recursive: true })
      await writeFile(file, Buffer.from(await res.arrayBuffer()))
    }
    nginx = await startNginx(join(dir, 'nginx'), join(dir, 'www'))
    log(`throughput: ${paths.length} parts, ${connections} connections, ${seconds} s each`)
    const ours = await loadRun(s.port, s.child.pid ?? 0, paths, connections, seconds)
    log(`ours: ${JSON.stringify(ours)}`)
    const ref = await loadRun(nginx.port, nginx.pid, paths, connections, seconds)
    log(`nginx: ${JSON.stringify(ref)}`)
    return {
      parts: paths.length,
      connections,
      seconds,
      ours,
      nginx: ref,
      partsPerCpuSecRatioOursToNginx: Number(((ours.partsPerCpuSec ?? 0) / Math.max(1, ref.partsPerCpuSec ?? 1)).toFixed(2)),
      partsPerSecRatioOursToNginx: Number(((ours.partsPerSec ?? 0) / Math.max(1, ref.partsPerSec ?? 1)).toFixed(2)),
    }
  } finally {
    s.child.kill('SIGTERM')
    await nginx?.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

/** Runs the suite. */
export async function run(args: string[]): Promise<BenchResult> {
  const startedAt = new Date().toISOString()
  const heldIdx = args.indexOf('--held')
  const heldLevels = (heldIdx === -1 ? '1000,10000' : (args[heldIdx + 1] ?? '')).split(',').map(Number)
  if (heldLevels.some((n) => !Number.isInteger(n) || n < 1 || n > 15_000)) throw new Error('--held must list integers 1..15000')
  const rounds = arg(args, 'rounds', 5, 1, 50)
  const seconds = arg(args, 'seconds', 4, 1, 60)
  const liveSeconds = arg(args, 'live-seconds', 12, 4, 120)
  const fullSeconds = arg(args, 'full-seconds', 20, 5, 300)
  const blocking: Record<string, unknown>[] = []
  for (const held of heldLevels) {
    log(`blocking: ${held} held requests × ${rounds} rounds`)
    const ours = await blockingBench(held, rounds)
    // The same client harness against a server that does nothing but write: the machine's floor.
    log(`blocking floor: ${held} held requests × ${rounds} rounds on a bare uWS server`)
    const floor = await blockingBench(held, rounds, Number(ours.responseBodyBytes))
    const ratio = (a: unknown, b: unknown): number | null => (typeof a === 'number' && typeof b === 'number' && b > 0 ? Number((a / b).toFixed(2)) : null)
    blocking.push({ ...ours, floor, wakeP99RatioOursToFloor: ratio(ours.wakeDelayP99Ms, floor.wakeDelayP99Ms), dispatchCpuRatioOursToFloor: ratio(ours.serverDispatchCpuMsMax, floor.serverDispatchCpuMsMax) })
  }
  const throughput = await throughputBench(seconds, 32)
  let live: unknown = 'skipped (--skip-live)'
  let fullOrigin: unknown = 'skipped (--skip-live)'
  if (!args.includes('--skip-live')) {
    log(`live: ffmpeg 720p+360p ladder for ${liveSeconds} s straight into the packager`)
    live = await measureLiveLadder(liveSeconds)
    log(`live: full origin (RTMP camera → startOrigin) for ${fullSeconds} s${args.includes('--no-player') ? '' : ' with an hls.js player'}`)
    try {
      const { measureFullOrigin } = await import('./full-origin.ts')
      fullOrigin = await measureFullOrigin(fullSeconds, !args.includes('--no-player'), log)
    } catch (err) {
      fullOrigin = { error: (err as Error).message }
    }
  }
  return {
    suite: 'origin',
    startedAt,
    machine: '2 cores shared with other sessions; figures are noisy',
    blocking,
    throughput,
    live,
    fullOrigin,
    targets: { wakeDelayP99Ms: 50, heldRequests: 10_000, partsPerCpuSecRatioOursToNginx: 0.5, edgeLagP95Ms: 500 },
  }
}
