/**
 * `npm run bench -- engagement --json [--subscribers 20000] [--voters 20000] [--seconds 5] [--base-rate 2]
 * [--multipliers 1,10,100] [--wave-ms 100] [--drain-ms 10000] [--per-loader 5000] [--deletes 20]
 * [--storm-rate 10] [--transport uws|ws] [--auth cookie|token] [--phases rates,burst,deletes,storm] [--only ours|baseline] [--database-url …] [--redis-url …]`
 *
 * Issue #10 §7. Ours: two engagement instances (API + real-time gateway, child processes) on real
 * PostgreSQL (own schema `bench_<tag>`, dropped after) and Redis (own key prefix, deleted after);
 * N subscriber sockets, each a signed-in viewer with a realtime token, spread over both instances
 * and over load processes of `--per-loader` sockets (the open-file limit is 20,000 per process),
 * from source addresses 127.0.0.2–9. It measures memory per idle subscriber; vote-to-screen at
 * every subscriber at 1×, 10× and 100× a base vote rate (votes in waves of fresh accounts over the
 * socket, each acknowledged after its batch committed; a wave is on screen at a subscriber when its
 * displayed total reaches the cumulative count up to that wave, measured from the wave's first send)
 * and the frames each subscriber receives per second meanwhile; durable votes per engagement
 * CPU-second (every voter at once, plus duplicates that must get ALREADY_VOTED, checked against the
 * stored rows and the final count); moderator delete → removal at every subscriber; and a
 * reconnect storm (all drop at once and resume after their last seq while chat is generated):
 * the time until all have caught up and the items missed.
 *
 * Baseline, same run: two plain `ws` servers that broadcast one message per vote to every
 * subscriber (Redis pub/sub between them), same subscribers and vote waves; memory, vote-to-screen
 * and fan-out. Ratios are ours / baseline. CPU is the server processes' own, from /proc.
 *
 * BENCH_CPU_PROF_DIR=<dir> writes V8 CPU profiles of the server processes; BENCH_DEBUG=1 makes the
 * load processes print each socket the server closed and each subscriber missing storm items.
 */
import { spawnSync } from 'node:child_process'
import type { BenchResult } from '../main.ts'
import { openFileLimit } from '../tracker/index.ts'
import { parseFlags, type BenchFlags } from './flags.ts'
import { runOurs } from './ours.ts'
import { runBaseline } from './baseline.ts'
import { assertLocal } from './setup.ts'
import { loadAverage } from './procs.ts'
import { ratio } from './stats.ts'
import type { IdleFigures, RatePhaseResult } from './phases.ts'

/** Issue #10's targets on this 2-core machine. */
export const TARGETS = {
  durableVotesPerCpuSecMin: 20_000,
  voteToScreenP99MsMax: 750,
  subscribersMin: 20_000,
  moderatorDeleteP99MsMax: 250,
  memoryPerIdleSubscriberRatioMax: 1 / 3,
  itemsMissedMax: 0,
} as const

/** Frames per second per subscriber that tick-based fan-out stays under: 4 ticks, 0.5 presence, 1 of headroom. */
const FANOUT_CEILING = 5.5

type Side = Record<string, unknown> & { rates?: RatePhaseResult[]; idle?: Partial<IdleFigures> }

function byLabel(side: Side | null): Map<string, RatePhaseResult> {
  return new Map((side?.rates ?? []).map((r) => [r.label, r]))
}

/** Ours/baseline per rate phase, and how flat each side's fan-out is from the lowest to the highest rate. */
function compare(f: BenchFlags, ours: Side | null, base: Side | null): Record<string, unknown> {
  const o = byLabel(ours)
  const b = byLabel(base)
  const perRate: Record<string, unknown> = {}
  for (const m of f.multipliers) {
    const k = `${String(m)}x`
    perRate[k] = {
      voteToScreenP50: ratio(o.get(k)?.voteToScreen.p50Ms, b.get(k)?.voteToScreen.p50Ms),
      voteToScreenP99: ratio(o.get(k)?.voteToScreen.p99Ms, b.get(k)?.voteToScreen.p99Ms),
      fanoutMsgsPerSecPerSub: ratio(o.get(k)?.fanoutMsgsPerSecPerSub, b.get(k)?.fanoutMsgsPerSecPerSub),
    }
  }
  const lo = `${String(f.multipliers[0] ?? 1)}x`
  const hi = `${String(f.multipliers[f.multipliers.length - 1] ?? 1)}x`
  return {
    memoryPerIdleSubscriber: ratio(ours?.idle?.rssBytesPerIdleSubscriber, base?.idle?.rssBytesPerIdleSubscriber),
    rawRssPerIdleSubscriber: ratio(ours?.idle?.rawRssBytesPerIdleSubscriber, base?.idle?.rawRssBytesPerIdleSubscriber),
    heapPerIdleSubscriber: ratio(ours?.idle?.heapBytesPerIdleSubscriber, base?.idle?.heapBytesPerIdleSubscriber),
    memoryPerSubscriberFromZero: ratio(ours?.idle?.liveBytesPerSubscriberFromZero, base?.idle?.liveBytesPerSubscriberFromZero),
    perRate,
    // 1.0 = the fan-out rate does not move with the vote rate.
    oursFanoutHighOverLowRate: ratio(o.get(hi)?.fanoutMsgsPerSecPerSub, o.get(lo)?.fanoutMsgsPerSecPerSub),
    baselineFanoutHighOverLowRate: ratio(b.get(hi)?.fanoutMsgsPerSecPerSub, b.get(lo)?.fanoutMsgsPerSecPerSub),
  }
}

/** Each target with our figure and whether it was met (null: not measured in this run). */
function verdicts(f: BenchFlags, ours: Side | null, cmp: Record<string, unknown>): Record<string, unknown> {
  if (ours === null) return {}
  const durable = ours.durable as { durableVotesPerCpuSec?: number; exact?: boolean } | undefined
  const rates = ours.rates ?? []
  const worstP99 = rates.some((r) => r.voteToScreen.p99Ms === null) ? null : Math.max(...rates.map((r) => r.voteToScreen.p99Ms ?? 0))
  const del = ours.moderatorDelete as { p99Ms?: number | null } | undefined
  const storm = ours.reconnectStorm as { itemsMissed?: number } | undefined
  const mem = cmp.memoryPerIdleSubscriber as number | null
  const flat = cmp.oursFanoutHighOverLowRate as number | null
  const worstFanout = rates.length === 0 ? null : Math.max(...rates.map((r) => r.fanoutMsgsPerSecPerSub))
  const subs = (ours.idle as { connected?: number } | undefined)?.connected ?? 0
  return {
    durableVotesPerCpuSec: { value: durable?.durableVotesPerCpuSec ?? null, min: TARGETS.durableVotesPerCpuSecMin, met: durable?.durableVotesPerCpuSec === undefined ? null : durable.durableVotesPerCpuSec >= TARGETS.durableVotesPerCpuSecMin },
    votesExact: { value: durable?.exact ?? null, met: durable?.exact ?? null },
    voteToScreenP99MsWorstRate: { value: worstP99, max: TARGETS.voteToScreenP99MsMax, subscribers: subs, met: worstP99 === null ? false : worstP99 <= TARGETS.voteToScreenP99MsMax && subs >= TARGETS.subscribersMin },
    moderatorDeleteP99Ms: { value: del?.p99Ms ?? null, max: TARGETS.moderatorDeleteP99MsMax, met: del?.p99Ms === undefined || del.p99Ms === null ? false : del.p99Ms <= TARGETS.moderatorDeleteP99MsMax },
    memoryPerIdleSubscriberRatio: { value: mem, max: Number(TARGETS.memoryPerIdleSubscriberRatioMax.toFixed(3)), met: mem === null ? null : mem <= TARGETS.memoryPerIdleSubscriberRatioMax },
    // Ticks, not votes: at every rate at most one poll snapshot per tick (4/s) plus presence (0.5/s) and a
    // little headroom for acks and repeats; below the tick rate when a tick has nothing new.
    fanoutIndependentOfVoteRate: { value: worstFanout, maxMsgsPerSecPerSub: FANOUT_CEILING, highOverLowRate: flat, rates: f.multipliers, met: worstFanout === null ? null : worstFanout <= FANOUT_CEILING },
    reconnectStormItemsMissed: { value: storm?.itemsMissed ?? null, max: TARGETS.itemsMissedMax, met: storm?.itemsMissed === undefined ? null : storm.itemsMissed === 0 },
  }
}

/** Runs the suite. */
export async function run(args: string[]): Promise<BenchResult> {
  const f = parseFlags(args)
  assertLocal(f.databaseUrl, '--database-url')
  assertLocal(f.redisUrl, '--redis-url')
  const startedAt = new Date().toISOString()
  const loadavgStart = loadAverage()
  const t0 = Date.now()
  const ours = f.only === 'baseline' ? null : ((await runOurs(f)) as Side)
  const loadavgMid = loadAverage()
  const baseline = f.only === 'ours' ? null : ((await runBaseline(f)) as Side)
  const cmp = compare(f, ours, baseline)
  return {
    suite: 'engagement',
    startedAt,
    command: `npm run bench -- engagement ${args.join(' ')}`.trim(),
    commit: spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim(),
    wallSec: Math.round((Date.now() - t0) / 1000),
    params: f,
    openFileLimit: openFileLimit(),
    loadavg: { start: loadavgStart, afterOurs: loadavgMid, end: loadAverage() },
    ours,
    baseline,
    ratios: cmp,
    targets: verdicts(f, ours, cmp),
  }
}
