/**
 * `npm run bench -- tracker --json [--peers 4000] [--swarms 40] [--offers 5] [--rounds 5]
 * [--idle 18000] [--loaders 4] [--workers 2] [--repeat 3] [--only ours|ours-sharded|reference|floor]`
 *
 * Runs our tracker (`ours`: swarm core in the main thread; `ours-sharded`: core sharded over
 * `--workers` threads), bittorrent-tracker's server (`reference`) and a bare uWS relay that only
 * moves the same bytes (`floor`, floor-relay.ts), each in its own process on 127.0.0.1
 * under identical load from separate load processes, and reports per tracker: its own CPU µs per
 * announce (from /proc/<pid>/stat, which sums every thread of the process, so load generation
 * does not count and worker threads do), announces per CPU-second and per wall-second, RSS and
 * PSS per idle peer, and connections held. Ratios are ours / reference. The announce phase runs
 * `--repeat` times with the kinds interleaved; each kind reports its median run.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'
import type { BenchResult } from '../main.ts'
import type { LoaderCommand, LoaderReply } from './loader.ts'

const here = dirname(fileURLToPath(import.meta.url))
const CLK_TCK = 100

interface Flags {
  peers: number
  swarms: number
  offers: number
  rounds: number
  idle: number
  loaders: number
  memberships: number
  workers: number
  repeat: number
  only: string
}

function parseFlags(args: string[]): Flags {
  const get = (name: string, def: number): number => {
    const i = args.indexOf(`--${name}`)
    const v = i >= 0 ? Number(args[i + 1]) : def
    if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} must be a non-negative number`)
    return Math.floor(v)
  }
  const onlyAt = args.indexOf('--only')
  return {
    peers: get('peers', 4000),
    swarms: Math.max(1, get('swarms', 40)),
    offers: get('offers', 5),
    rounds: Math.max(1, get('rounds', 5)),
    idle: get('idle', 18000),
    loaders: Math.max(1, get('loaders', 4)),
    memberships: Math.max(1, get('memberships', 1)),
    workers: Math.max(1, get('workers', 2)),
    repeat: Math.max(1, get('repeat', 3)),
    only: onlyAt >= 0 ? (args[onlyAt + 1] ?? '') : '',
  }
}

/** Soft limit on open files of this process (children inherit it). */
export function openFileLimit(): number {
  const m = /Max open files\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'))
  return m?.[1] !== undefined ? Number(m[1]) : 1024
}

/** User and system CPU of a whole process (all threads), microseconds. */
export function cpuTimes(pid: number): { user: number; sys: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // After the comm field: state is index 0, utime 11, stime 12.
  return { user: (Number(fields[11]) * 1e6) / CLK_TCK, sys: (Number(fields[12]) * 1e6) / CLK_TCK }
}

/** User + system CPU of a whole process, microseconds. */
export function cpuMicros(pid: number): number {
  const t = cpuTimes(pid)
  return t.user + t.sys
}

/** RSS and PSS of a process, bytes. */
export function memoryBytes(pid: number): { rss: number; pss: number } {
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
  let pss = '0'
  try {
    pss = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? '0'
  } catch {
    // smaps_rollup needs Linux 4.14+; PSS is then reported as 0.
  }
  return { rss: Number(rss ?? 0) * 1024, pss: Number(pss) * 1024 }
}

function request<T>(child: ChildProcess, msg: unknown, timeoutMs = 600_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('child timed out')), timeoutMs)
    child.once('message', (m) => {
      clearTimeout(t)
      resolve(m as T)
    })
    child.send(msg as object)
  })
}

function spawnChild(file: string, args: string[]): ChildProcess {
  // BENCH_CPU_PROF_DIR=<dir> writes a V8 CPU profile of each tracker process there.
  const prof = process.env.BENCH_CPU_PROF_DIR
  const extra = prof !== undefined && file === 'tracker-proc.ts' ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []
  return fork(join(here, file), args, { execArgv: ['--import', 'tsx', '--expose-gc', ...extra], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
}

async function startTracker(kind: string, f: Flags): Promise<{ child: ChildProcess; port: number; pid: number }> {
  const child = spawnChild('tracker-proc.ts', [kind, String(f.workers), String(f.swarms), String(f.offers)])
  const ready = await new Promise<{ port: number; pid: number }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { port: number; pid: number }))
    child.once('exit', (code) => reject(new Error(`${kind} tracker exited with ${code ?? 'signal'}`)))
  })
  return { child, ...ready }
}

async function stopAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve()
          c.once('exit', () => resolve())
          c.kill('SIGTERM')
          setTimeout(() => c.kill('SIGKILL'), 5000).unref()
        }),
    ),
  )
}

const SRC_IPS = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`)

async function connectLoaders(loaders: ChildProcess[], port: number, total: number, swarms: number, offers: number, memberships = 1): Promise<LoaderReply[]> {
  const per = Math.ceil(total / loaders.length)
  return Promise.all(
    loaders.map((l, i) => {
      const cmd: LoaderCommand = { cmd: 'connect', port, count: Math.max(0, Math.min(per, total - i * per)), firstIndex: i * per, swarms, offers, srcIps: SRC_IPS, memberships }
      return request<LoaderReply>(l, cmd)
    }),
  )
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Announce cost: P peers in S swarms, each re-announcing with `offers` offers for `rounds` rounds. */
async function announcePhase(kind: string, f: Flags): Promise<Record<string, number>> {
  const tracker = await startTracker(kind, f)
  const loaders = Array.from({ length: f.loaders }, () => spawnChild('loader.ts', []))
  try {
    const joined = await connectLoaders(loaders, tracker.port, f.peers, f.swarms, f.offers)
    await sleep(1000)
    // One unmeasured round warms the JIT of both trackers alike.
    await Promise.all(loaders.map((l) => request<LoaderReply>(l, { cmd: 'announce', rounds: 1, timeoutMs: 30_000 } satisfies LoaderCommand)))
    const c0 = (await request<{ counters: Record<string, number> }>(tracker.child, { cmd: 'counters' })).counters
    const cpu0 = cpuTimes(tracker.pid)
    const t0 = performance.now()
    const res = await Promise.all(loaders.map((l) => request<LoaderReply>(l, { cmd: 'announce', rounds: f.rounds, timeoutMs: 60_000 } satisfies LoaderCommand)))
    const wallMs = performance.now() - t0
    const cpu1 = cpuTimes(tracker.pid)
    const c1 = (await request<{ counters: Record<string, number> }>(tracker.child, { cmd: 'counters' })).counters
    const delta = (k: string): number | undefined => (c1[k] !== undefined && c0[k] !== undefined ? c1[k] - c0[k] : undefined)
    const writes = delta('socketWrites')
    const frames = delta('framesSent')
    const userUs = cpu1.user - cpu0.user
    const sysUs = cpu1.sys - cpu0.sys
    const cpuUs = userUs + sysUs
    const announces = res.reduce((n, r) => n + (r.announces ?? 0), 0)
    return {
      peersConnected: joined.reduce((n, r) => n + (r.connected ?? 0), 0),
      announces,
      repliesReceived: res.reduce((n, r) => n + (r.replies ?? 0), 0),
      offersDelivered: res.reduce((n, r) => n + (r.offersReceived ?? 0), 0),
      trackerCpuUs: Math.round(cpuUs),
      trackerUserCpuUs: Math.round(userUs),
      trackerSysCpuUs: Math.round(sysUs),
      wallMs: Math.round(wallMs),
      cpuUsPerAnnounce: Number((cpuUs / Math.max(1, announces)).toFixed(2)),
      userCpuUsPerAnnounce: Number((userUs / Math.max(1, announces)).toFixed(2)),
      sysCpuUsPerAnnounce: Number((sysUs / Math.max(1, announces)).toFixed(2)),
      // Ours only: how many socket writes the frames took (the reference writes once per frame).
      ...(writes !== undefined && frames !== undefined ? { socketWritesPerAnnounce: Number((writes / Math.max(1, announces)).toFixed(2)), framesPerSocketWrite: Number((frames / Math.max(1, writes)).toFixed(2)) } : {}),
      announcesPerCpuSec: Math.round(announces / Math.max(1e-6, cpuUs / 1e6)),
      // Load and tracker share this machine's cores, so this is the whole setup's throughput.
      announcesPerWallSec: Math.round(announces / Math.max(1e-6, wallMs / 1000)),
      // Above 1 means the tracker's threads ran in parallel.
      trackerCoresBusy: Number((cpuUs / 1000 / Math.max(1, wallMs)).toFixed(2)),
    }
  } finally {
    await stopAll([...loaders, tracker.child])
  }
}

/** Idle memory: N connections, each joined to `memberships` swarms and then silent. */
async function idlePhase(kind: string, f: Flags, idle: number): Promise<Record<string, number | string>> {
  const tracker = await startTracker(kind, f)
  const nLoaders = Math.max(f.loaders, Math.ceil(idle / 15000))
  const loaders = Array.from({ length: nLoaders }, () => spawnChild('loader.ts', []))
  try {
    // Warm up (code paths, allocator pools), then take the baseline with those connections gone.
    await connectLoaders(loaders, tracker.port, Math.min(1000, idle), f.swarms, 0)
    await sleep(500)
    await Promise.all(loaders.map((l) => request(l, { cmd: 'close' } satisfies LoaderCommand)))
    await sleep(1500)
    await request(tracker.child, { cmd: 'gc' })
    const before = memoryBytes(tracker.pid)
    const joined = await connectLoaders(loaders, tracker.port, idle, f.swarms, 0, f.memberships)
    await sleep(2000 + idle / 10)
    await request(tracker.child, { cmd: 'gc' })
    const after = memoryBytes(tracker.pid)
    const held = joined.reduce((n, r) => n + (r.connected ?? 0), 0)
    const firstError = joined.find((r) => r.firstError !== undefined)?.firstError
    return {
      idlePeersAttempted: idle,
      connectionsHeld: held,
      idleMemberships: held * f.memberships,
      rssBaselineBytes: before.rss,
      rssBytes: after.rss,
      rssBytesPerIdlePeer: Math.round((after.rss - before.rss) / Math.max(1, held)),
      pssBytesPerIdlePeer: Math.round((after.pss - before.pss) / Math.max(1, held)),
      ...(f.memberships > 1 ? { rssBytesPerIdleMembership: Math.round((after.rss - before.rss) / Math.max(1, held * f.memberships)) } : {}),
      ...(firstError !== undefined ? { firstConnectError: firstError } : {}),
    }
  } finally {
    await stopAll([...loaders, tracker.child])
  }
}

const ratio = (a: unknown, b: unknown): number | null => (typeof a === 'number' && typeof b === 'number' && b > 0 ? Number((a / b).toFixed(3)) : null)

/** Runs the suite. */
export async function run(args: string[]): Promise<BenchResult> {
  const f = parseFlags(args)
  const fdLimit = openFileLimit()
  // Each side of every connection needs a descriptor; leave headroom for the process itself.
  const idle = Math.min(f.idle, fdLimit - 200)
  const startedAt = new Date().toISOString()
  const kinds = f.only !== '' ? [f.only] : ['ours', 'ours-sharded', 'reference', 'floor']
  // The announce phase runs `repeat` times with the kinds interleaved, so drift in the machine's
  // other load hits every kind alike; each kind reports its median run, with every run's figure.
  const samples = new Map<string, Record<string, number>[]>(kinds.map((k) => [k, []]))
  for (let r = 0; r < f.repeat; r++) {
    for (const kind of kinds) samples.get(kind)?.push(await announcePhase(kind, f))
  }
  const results: Record<string, Record<string, unknown>> = {}
  for (const kind of kinds) {
    const runs = samples.get(kind) ?? []
    const byCpu = [...runs].sort((a, b) => (a.cpuUsPerAnnounce ?? 0) - (b.cpuUsPerAnnounce ?? 0))
    const median = byCpu[Math.floor((byCpu.length - 1) / 2)] ?? {}
    // The floor keeps no per-peer state, so its idle memory would mean nothing.
    const idleFigures = idle > 0 && kind !== 'floor' ? await idlePhase(kind, f, idle) : {}
    results[kind] = { ...median, cpuUsPerAnnounceRuns: runs.map((x) => x.cpuUsPerAnnounce), ...idleFigures }
  }
  const perRun = (a: string, b: string): (number | null)[] =>
    (samples.get(a) ?? []).map((x, i) => ratio(x.cpuUsPerAnnounce, samples.get(b)?.[i]?.cpuUsPerAnnounce))
  const ours = results.ours ?? {}
  const sharded = results['ours-sharded'] ?? {}
  const ref = results.reference ?? {}
  const floor = results.floor ?? {}
  return {
    suite: 'tracker',
    startedAt,
    params: { ...f, idle, sdpBytes: 'about 2 KB per offer', loadTarget: '127.0.0.1', sourceAddresses: SRC_IPS.length },
    openFileLimit: fdLimit,
    ...(idle < f.idle ? { idleCappedBy: `RLIMIT_NOFILE ${fdLimit} (no CAP_SYS_RESOURCE to raise it)` } : {}),
    ...results,
    ours,
    reference: ref,
    ratios: {
      cpuPerAnnounce: ratio(ours.cpuUsPerAnnounce, ref.cpuUsPerAnnounce),
      // Ratio within each interleaved run (ours and the reference measured back to back).
      cpuPerAnnounceRuns: perRun('ours', 'reference'),
      floorCpuPerAnnounceRuns: perRun('floor', 'reference'),
      userCpuPerAnnounce: ratio(ours.userCpuUsPerAnnounce, ref.userCpuUsPerAnnounce),
      sysCpuPerAnnounce: ratio(ours.sysCpuUsPerAnnounce, ref.sysCpuUsPerAnnounce),
      rssPerIdlePeer: ratio(ours.rssBytesPerIdlePeer, ref.rssBytesPerIdlePeer),
      pssPerIdlePeer: ratio(ours.pssBytesPerIdlePeer, ref.pssBytesPerIdlePeer),
      announcesPerWallSec: ratio(ours.announcesPerWallSec, ref.announcesPerWallSec),
      // The bare uWS relay against the reference: below this no tracker on uWS can go here.
      floorCpuPerAnnounce: ratio(floor.cpuUsPerAnnounce, ref.cpuUsPerAnnounce),
      oursVsFloorCpuPerAnnounce: ratio(ours.cpuUsPerAnnounce, floor.cpuUsPerAnnounce),
      shardedCpuPerAnnounce: ratio(sharded.cpuUsPerAnnounce, ref.cpuUsPerAnnounce),
      shardedRssPerIdlePeer: ratio(sharded.rssBytesPerIdlePeer, ref.rssBytesPerIdlePeer),
      shardedAnnouncesPerWallSec: ratio(sharded.announcesPerWallSec, ref.announcesPerWallSec),
      shardedVsInThreadCpuPerAnnounce: ratio(sharded.cpuUsPerAnnounce, ours.cpuUsPerAnnounce),
      shardedVsInThreadAnnouncesPerWallSec: ratio(sharded.announcesPerWallSec, ours.announcesPerWallSec),
    },
    targets: { cpuPerAnnounceRatioMax: 0.2, memoryPerIdlePeerRatioMax: 0.333, idlePeersMin: 100000 },
  }
}
