// Measurement phases both systems run alike: connecting the subscribers, idle memory, and vote waves at a fixed rate.
import { Histogram, planWaves, round, summarize, waveThresholds, type DelaySummary } from './stats.ts'
import { cpuSecondsOf, cpuTimes, rssOf, settledMemory, sleep, sumAnswers, type Loaders, type SettledMemory } from './procs.ts'
import type { ChildProcess } from 'node:child_process'
import type { ConnSpec } from './loader-protocol.ts'
import type { BenchFlags } from './flags.ts'

/** 127.0.0.2–9 as source addresses: eight times the ephemeral ports towards each server port. */
export const SRC_IPS = Array.from({ length: 8 }, (_, i) => `127.0.0.${String(i + 2)}`)

const wall = (): number => performance.timeOrigin + performance.now()

/** What connecting the subscribers measured. */
export interface IdleFigures {
  connected: number
  failed: number
  firstError?: string
  connectSec: number
  /** Server CPU per admitted socket (upgrade, identity, hello, resume), µs. */
  serverCpuUsPerConnect: number
  /** Server memory (both processes) with no, half and all subscribers, each after full GCs and a settle. */
  memoryBytes: { none: SettledMemory; half: SettledMemory; all: SettledMemory }
  /**
   * Marginal memory per idle subscriber: live memory (anonymous RSS less free committed V8 heap) with all
   * minus with half, over the second half; start-up garbage and pools the first sockets fill do not count.
   */
  rssBytesPerIdleSubscriber: number
  /** The same from raw RSS. */
  rawRssBytesPerIdleSubscriber: number
  /** The JS part alone (V8 heap in use after full GCs). */
  heapBytesPerIdleSubscriber: number
  /** Live memory with all minus with none, over all: includes one-off costs (JIT code, pools, table growth). */
  liveBytesPerSubscriberFromZero: number
  /** Server CPU while the subscribers sit idle (ticks, presence, pings), cores. */
  idleCpuCores: number
  /** The kernel's part of it. */
  idleSysCpuCores: number
}

async function memoryAfterGc(servers: ChildProcess[]): Promise<SettledMemory> {
  const each = await Promise.all(servers.map((s) => settledMemory(s)))
  const sum = (k: keyof SettledMemory): number => each.reduce((n, m) => n + m[k], 0)
  return { rss: sum('rss'), live: sum('live'), rssAnon: sum('rssAnon'), heapUsed: sum('heapUsed'), heapTotal: sum('heapTotal') }
}

/** Opens every subscriber in two halves and measures the servers' memory per idle subscriber and their idle CPU. */
export async function connectIdle(loaders: Loaders, mode: 'ours' | 'baseline', specs: ConnSpec[], servers: ChildProcess[], concurrency: number): Promise<IdleFigures> {
  const pids = servers.map((s) => s.pid ?? 0)
  const none = await memoryAfterGc(servers)
  const half = Math.floor(specs.length / 2)
  let cpuSec = 0
  let connectSec = 0
  const step = async (part: ConnSpec[]): Promise<Awaited<ReturnType<Loaders['connect']>>> => {
    const cpu0 = cpuSecondsOf(pids)
    const t0 = wall()
    const r = await loaders.connect(mode, part, SRC_IPS, concurrency)
    connectSec += (wall() - t0) / 1000
    cpuSec += cpuSecondsOf(pids) - cpu0
    // Let the last upgrades' buffers and catch-ups settle before counting.
    await sleep(3000)
    return r
  }
  const first = await step(specs.filter((s) => s.g < half))
  const halfMem = await memoryAfterGc(servers)
  const second = await step(specs.filter((s) => s.g >= half))
  // Idle CPU before the memory reading: its forced collections would show up as CPU.
  const sys = (): number => pids.reduce((n, pid) => n + cpuTimes(pid).sys / 1e6, 0)
  await sleep(3000)
  const idle0 = cpuSecondsOf(pids)
  const sys0 = sys()
  await sleep(5000)
  const idleCpu = (cpuSecondsOf(pids) - idle0) / 5
  const idleSys = (sys() - sys0) / 5
  const allMem = await memoryAfterGc(servers)
  const replies = [...first, ...second]
  const connected = replies.reduce((n, r) => n + (r.connected ?? 0), 0)
  const secondConnected = Math.max(1, second.reduce((n, r) => n + (r.connected ?? 0), 0))
  const firstError = replies.find((r) => r.firstError !== undefined)?.firstError
  return {
    connected,
    failed: replies.reduce((n, r) => n + (r.failed ?? 0), 0),
    ...(firstError !== undefined ? { firstError } : {}),
    connectSec: round(connectSec, 1),
    serverCpuUsPerConnect: Math.round((cpuSec * 1e6) / Math.max(1, connected)),
    memoryBytes: { none, half: halfMem, all: allMem },
    rssBytesPerIdleSubscriber: Math.round((allMem.live - halfMem.live) / secondConnected),
    rawRssBytesPerIdleSubscriber: Math.round((allMem.rss - halfMem.rss) / secondConnected),
    heapBytesPerIdleSubscriber: Math.round((allMem.heapUsed - halfMem.heapUsed) / secondConnected),
    liveBytesPerSubscriberFromZero: Math.round((allMem.live - none.live) / Math.max(1, connected)),
    idleCpuCores: round(idleCpu, 3),
    idleSysCpuCores: round(idleSys, 3),
  }
}

/** What one rate phase needs. */
export interface RatePhaseInput {
  label: string
  pollId: string
  options: string[]
  ratePerSec: number
  seconds: number
  waveMs: number
  /** First voter (global connection index) of this phase; voters are consecutive. */
  firstVoter: number
  /** The poll's total before this phase (votes of earlier phases on the same poll). */
  base: number
  /** Longest wait after the last wave for every subscriber to show it. */
  drainMs: number
  /** Processes whose CPU counts as the system's (the instances). */
  serverPids: number[]
  /** Stops waiting early (a baseline past its memory cap); returns why. */
  guard?: () => string | null
}

/** What one rate phase measured. */
export interface RatePhaseResult {
  label: string
  votesPerSec: number
  seconds: number
  votesSent: number
  acked: number
  errors: Record<string, number>
  unanswered: number
  /** Vote-to-screen over every (subscriber, wave): from the wave's first vote sent to that subscriber showing a total that includes the whole wave. */
  voteToScreen: DelaySummary
  /** Frames each subscriber received per second during the vote window (all types). */
  fanoutMsgsPerSecPerSub: number
  framesByTypePerSecPerSub: Record<string, number>
  subscribers: number
  /** Sockets the server had closed so far in this world (each redialled with resume, as the client app does). */
  socketsDroppedByServer: number
  /** CPU seconds of the server processes over the phase (null when they were stopped). */
  serverCpuSec: number | null
  stoppedBecause?: string
}

/**
 * Votes at `ratePerSec` in waves every `waveMs` (each wave by fresh accounts), every subscriber
 * recording when its displayed total reaches each wave's cumulative count; then waits until all
 * show the last wave (or `drainMs`), and collects delays against the earliest send of each wave.
 */
export async function ratePhase(loaders: Loaders, p: RatePhaseInput): Promise<RatePhaseResult> {
  const waves = planWaves(p.ratePerSec, p.seconds, p.waveMs, p.firstVoter)
  const thresholds = waveThresholds(p.base, waves)
  const startAtMs = wall() + 500
  const windowEndMs = startAtMs + p.seconds * 1000
  const cpu0 = cpuSecondsOf(p.serverPids)
  const sent = loaders.all({ cmd: 'phase', pollId: p.pollId, options: p.options, waves, thresholds, startAtMs, windowEndMs, answerTimeoutMs: p.seconds * 1000 + p.drainMs })
  let stoppedBecause: string | null
  let sentAll = false
  void sent.then(() => (sentAll = true)).catch(() => undefined)
  // Through the window, then until every subscriber shows the last wave and every vote is answered (bounded by the drain).
  const deadline = windowEndMs + p.drainMs
  for (;;) {
    stoppedBecause = p.guard?.() ?? null
    if (stoppedBecause !== null || wall() > deadline) break
    if (!sentAll) {
      await sleep(250)
      continue
    }
    const prog = await loaders.all({ cmd: 'progress' })
    const done = prog.reduce((n, r) => n + (r.done ?? 0), 0)
    const subs = prog.reduce((n, r) => n + (r.subscribers ?? 0), 0)
    if (done >= subs && prog.every((r) => r.waiting === 0)) break
    await sleep(250)
  }
  const cpuSec = stoppedBecause === null && p.serverPids.every(alive) ? cpuSecondsOf(p.serverPids) - cpu0 : Number.NaN
  const replies = await sent
  // A wave's send time is the earliest first send over the load processes (delays are upper bounds).
  const sendAtMs = waves.map((_, k) => Math.min(...replies.map((r) => r.sendAtMs?.[k] ?? Number.NaN).filter((x) => !Number.isNaN(x))))
  const sendAt = sendAtMs.map((x) => (Number.isFinite(x) ? x : Number.NaN))
  const reports = await loaders.all({ cmd: 'phase-report', sendAtMs: sendAt })
  const h = new Histogram()
  let missing = 0
  let frames = 0
  let subscribers = 0
  const byType: Record<string, number> = {}
  for (const r of reports) {
    if (r.delays !== undefined) h.merge(r.delays)
    missing += r.missing ?? 0
    frames += r.frames ?? 0
    subscribers += r.subscribers ?? 0
    for (const [k, v] of Object.entries(r.framesByType ?? {})) byType[k] = (byType[k] ?? 0) + v
  }
  const answers = sumAnswers(reports.map((r) => r.answers))
  const perSub = (n: number): number => round(n / Math.max(1, subscribers) / p.seconds, 2)
  return {
    label: p.label,
    votesPerSec: p.ratePerSec,
    seconds: p.seconds,
    votesSent: waves.reduce((n, w) => n + (w.to - w.from), 0),
    acked: answers.acked,
    errors: answers.errors,
    unanswered: answers.unanswered,
    voteToScreen: summarize(h, missing),
    fanoutMsgsPerSecPerSub: perSub(frames),
    framesByTypePerSecPerSub: Object.fromEntries(Object.entries(byType).map(([k, v]) => [k, perSub(v)])),
    subscribers,
    socketsDroppedByServer: reports.reduce((n, r) => n + (r.dropped ?? 0), 0),
    serverCpuSec: Number.isNaN(cpuSec) ? null : round(cpuSec, 2),
    ...(stoppedBecause !== null ? { stoppedBecause } : {}),
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/**
 * Guard of a process group: once their RSS passes `capBytes` it calls `stop` (which should kill
 * them, before they take the machine's memory) and says why; the phase then ends.
 */
export function rssGuard(pids: number[], capBytes: number, stop: () => void): () => string | null {
  let reason: string | null = null
  return () => {
    if (reason !== null) return reason
    let rss: number
    try {
      rss = rssOf(pids)
    } catch {
      reason = 'a server process exited'
      return reason
    }
    if (rss <= capBytes) return null
    reason = `server RSS ${String(Math.round(rss / 2 ** 20))} MiB passed the cap of ${String(Math.round(capBytes / 2 ** 20))} MiB`
    stop()
    return reason
  }
}

/** The multiplier phases (1×, 10×, 100× the base rate) on one poll, voters consecutive from `firstVoterAt`. */
export async function ratePhases(
  loaders: Loaders,
  f: BenchFlags,
  poll: { pollId: string; options: string[] },
  serverPids: number[],
  guard?: () => () => string | null,
  firstVoterAt = 0,
): Promise<RatePhaseResult[]> {
  const out: RatePhaseResult[] = []
  let firstVoter = firstVoterAt
  let base = 0
  for (const m of f.multipliers) {
    const r = await ratePhase(loaders, {
      label: `${String(m)}x`,
      pollId: poll.pollId,
      options: poll.options,
      ratePerSec: f.baseRate * m,
      seconds: f.seconds,
      waveMs: f.waveMs,
      firstVoter,
      base,
      drainMs: f.drainMs,
      serverPids,
      ...(guard !== undefined ? { guard: guard() } : {}),
    })
    out.push(r)
    firstVoter += r.votesSent
    base += r.acked
    await sleep(1000)
  }
  return out
}
