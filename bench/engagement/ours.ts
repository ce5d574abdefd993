// Our side of the engagement bench: two engagement instances on PostgreSQL + Redis, every phase of issue #10 §7.
import { randomBytes } from 'node:crypto'
import type { ChildProcess } from 'node:child_process'
import { dropSchema, openDb, type Db } from '../../engagement/platform/db.ts'
import { createRedisKv } from '../../engagement/platform/kv-redis.ts'
import type { Kv } from '../../engagement/platform/kv.ts'
import { forkServer, Loaders, ready, sleep, stopAll, sumAnswers, cpuSecondsOf } from './procs.ts'
import { connectIdle, ratePhases, type RatePhaseResult } from './phases.ts'
import { chatters, dropRedisPrefix, hostWithEvent, insertViewers, openPoll, runTag, viewerCookies, viewerTokens, type ApiClient } from './setup.ts'
import { moderatorDeletes, reconnectStorm } from './ours-talk.ts'
import type { ConnSpec } from './loader-protocol.ts'
import type { BenchFlags } from './flags.ts'
import { Histogram, round, summarize } from './stats.ts'

interface Instance {
  child: ChildProcess
  pid: number
  apiPort: number
  gatewayPort: number
  transport: string
}

const wall = (): number => performance.timeOrigin + performance.now()

async function startInstance(env: Record<string, string>): Promise<Instance> {
  const child = await forkServer('instance-proc.ts', [], env)
  const r = await ready<{ apiPort: number; gatewayPort: number; transport: string; pid: number }>(child)
  return { child, ...r }
}

/** Every voter votes once at the same moment on a fresh poll (plus deliberate duplicates): durable votes per CPU-second. */
async function durableBurst(loaders: Loaders, f: BenchFlags, host: ApiClient, eventId: string, db: Db, pids: number[]): Promise<Record<string, unknown>> {
  const poll = await openPoll(host, eventId, 'Throughput')
  const cpu0 = cpuSecondsOf(pids)
  const t0 = wall()
  const replies = await loaders.all({ cmd: 'burst', pollId: poll.pollId, options: poll.options, from: 0, to: f.voters, duplicateEvery: f.duplicateEvery, answerTimeoutMs: 120_000 })
  const cpuSec = cpuSecondsOf(pids) - cpu0
  const firstSend = Math.min(...replies.map((r) => r.firstSendMs ?? t0))
  const lastAnswer = Math.max(...replies.map((r) => r.lastAnswerMs ?? 0))
  const votes = sumAnswers(replies.map((r) => r.answers))
  const dups = sumAnswers(replies.map((r) => r.duplicates))
  // Until every subscriber shows a total holding all of them (bounded by the drain), from the first vote sent.
  for (const deadline = wall() + f.drainMs; wall() < deadline; await sleep(250)) {
    const prog = await loaders.all({ cmd: 'progress' })
    if (prog.reduce((n, r) => n + (r.done ?? 0), 0) >= prog.reduce((n, r) => n + (r.subscribers ?? 0), 0)) break
  }
  const onScreen = await loaders.all({ cmd: 'phase-report', sendAtMs: [firstSend] })
  const h = new Histogram()
  for (const r of onScreen) if (r.delays !== undefined) h.merge(r.delays)
  const allOnScreen = summarize(h, onScreen.reduce((n, r) => n + (r.missing ?? 0), 0))
  const rows = await db.query<{ n: string }>('SELECT count(*) AS n FROM poll_votes WHERE poll_id = $1', [poll.pollId])
  await host.must('POST', `/api/events/${eventId}/polls/${poll.pollId}/close`, undefined, [200])
  // After the grace the poll is final with the database's counts: they must equal what was acknowledged.
  let final: Record<string, unknown> = {}
  for (let i = 0; i < 60; i++) {
    await sleep(500)
    final = await host.must('GET', `/api/events/${eventId}/polls/${poll.pollId}`, undefined, [200])
    if (final.final === true) break
  }
  const wallSec = (lastAnswer - firstSend) / 1000
  const acked = votes.acked + dups.acked
  const twice = { exactlyOneAck: 0, twoAcks: 0, noAck: 0 }
  for (const r of replies) {
    twice.exactlyOneAck += r.twice?.exactlyOneAck ?? 0
    twice.twoAcks += r.twice?.twoAcks ?? 0
    twice.noAck += r.twice?.noAck ?? 0
  }
  return {
    voters: f.voters,
    acked,
    errors: votes.errors,
    unanswered: votes.unanswered,
    // The second vote of every duplicateEvery-th account (half at once, half after the first answer).
    duplicatesSent: twice.exactlyOneAck + twice.twoAcks + twice.noAck,
    duplicateAnswers: dups,
    accountsVotingTwice: twice,
    // From the first vote sent to each subscriber showing a total that holds every voter's vote.
    allVotesOnScreen: allOnScreen,
    storedRows: Number(rows[0]?.n ?? -1),
    finalTotalVotes: final.final === true ? final.totalVotes : null,
    exact: final.final === true && final.totalVotes === acked && Number(rows[0]?.n) === acked && twice.twoAcks === 0 && twice.noAck === 0,
    wallSec: round(wallSec, 2),
    votesPerWallSec: Math.round(acked / Math.max(1e-3, wallSec)),
    engagementCpuSec: round(cpuSec, 2),
    durableVotesPerCpuSec: Math.round(acked / Math.max(1e-3, cpuSec)),
  }
}

/** The gateway counters of each instance (`/metrics`): slow sockets taken off ticks, closes by reason, gaps, refusals. */
async function gatewayCounters(instances: Instance[]): Promise<Record<string, number>[]> {
  return Promise.all(
    instances.map(async (i) => {
      const out: Record<string, number> = {}
      try {
        const text = await (await fetch(`http://127.0.0.1:${String(i.gatewayPort)}/metrics`)).text()
        for (const line of text.split('\n')) {
          const m = /^(gateway_(?:slow|closed|gaps|refused|replayed|fill_rows)_total)(\{[^}]*\})? (\S+)$/.exec(line)
          if (m?.[1] !== undefined && m[3] !== undefined) out[`${m[1]}${(m[2] ?? '').replace(/,?service="gateway"/, '').replace('{}', '')}`] = Number(m[3])
        }
      } catch (err) {
        out.unreadable = 1
        console.error(`gateway metrics: ${String(err)}`)
      }
      return out
    }),
  )
}

/** Runs our system through every phase; always tears its processes, schema and keys down. */
export async function runOurs(f: BenchFlags): Promise<Record<string, unknown>> {
  const tag = runTag()
  const schema = `bench_${tag}`
  const prefix = `bench:${tag}:`
  const secret = randomBytes(32).toString('base64url')
  const env: Record<string, string> = {
    DATABASE_URL: f.databaseUrl,
    REDIS_URL: f.redisUrl,
    ENGAGEMENT_DEV: 'true',
    ENGAGEMENT_HOST: '127.0.0.1',
    ENGAGEMENT_PORT: '0',
    ENGAGEMENT_GATEWAY_PORT: '0',
    ENGAGEMENT_GATEWAY_TRANSPORT: f.transport,
    ENGAGEMENT_LOG_LEVEL: 'warn',
    ENGAGEMENT_DATABASE_SCHEMA: schema,
    ENGAGEMENT_KV_PREFIX: prefix,
    ENGAGEMENT_STATIC_DIR: `/nonexistent-${tag}`,
    ENGAGEMENT_REALTIME_TOKEN_SECRET: secret,
    // Polls become final (database counts) one second after close instead of five: shorter phases.
    ENGAGEMENT_POLL_VOTE_GRACE_MS: '1000',
  }
  const instances: Instance[] = []
  let loaders: Loaders | null = null
  let db: Db | null = null
  let kv: Kv | null = null
  try {
    // One after the other: the first applies the migrations.
    instances.push(await startInstance(env))
    instances.push(await startInstance(env))
    const pids = instances.map((i) => i.pid)
    db = await openDb({ url: f.databaseUrl, schema, dataDir: '' })
    kv = await createRedisKv(f.redisUrl, prefix)
    const apis = instances.map((i) => `http://127.0.0.1:${String(i.apiPort)}`)
    const { host, eventId } = await hostWithEvent(apis[0] ?? '', tag)
    const conns = Math.max(f.subscribers, f.voters)
    await insertViewers(db, tag, 0, conns)
    // Browser viewers send their session cookie with the upgrade; tokens are what overlays and bots use.
    const auth = f.auth === 'token' ? await viewerTokens(secret, tag, eventId, conns, 3 * 3600) : await viewerCookies(kv, tag, conns)
    const talkers = await chatters(db, kv, tag, f.chatters, apis)
    loaders = new Loaders(Math.max(1, Math.ceil(conns / f.perLoader)))
    const L = loaders.size
    const specs: ConnSpec[] = auth.map((a, g) => {
      const inst = instances[Math.floor(g / L) % instances.length] as Instance
      return f.auth === 'token' ? { g, port: inst.gatewayPort, path: `/v1/events/${eventId}?token=${a}`, cookie: '' } : { g, port: inst.gatewayPort, path: `/v1/events/${eventId}`, cookie: a }
    })
    const idle = await connectIdle(loaders, 'ours', specs, instances.map((i) => i.child), f.concurrency)
    const counters: Record<string, Record<string, number>[]> = { afterConnect: await gatewayCounters(instances) }
    const want = (phase: string): boolean => f.phases.includes(phase)
    let rates: RatePhaseResult[] = []
    if (want('rates')) {
      const poll = await openPoll(host, eventId, 'Rates')
      rates = await ratePhases(loaders, f, poll, pids)
      await host.must('POST', `/api/events/${eventId}/polls/${poll.pollId}/close`, undefined, [200])
      counters.afterRates = await gatewayCounters(instances)
    }
    const durable = want('burst') ? await durableBurst(loaders, f, host, eventId, db, pids) : null
    const deletes = want('deletes') ? await moderatorDeletes(loaders, host, eventId, f.deletes, pids) : null
    const storm = want('storm') ? await reconnectStorm(loaders, talkers, eventId, f, tag, pids) : null
    counters.atEnd = await gatewayCounters(instances)
    return {
      transport: instances[0]?.transport,
      subscriberAuth: f.auth === 'token' ? 'realtime token (?token=)' : 'session cookie',
      instances: instances.length,
      connections: conns,
      loadProcesses: L,
      idle,
      rates,
      durable,
      moderatorDelete: deletes,
      reconnectStorm: storm,
      gatewayCounters: counters,
    }
  } finally {
    if (loaders !== null) {
      await loaders.all({ cmd: 'close' }, 30_000).catch(() => undefined)
      await loaders.stop()
    }
    await stopAll(instances.map((i) => i.child))
    await kv?.close()
    await db?.close()
    await dropSchema(f.databaseUrl, schema).catch((err: unknown) => console.error(`could not drop schema ${schema}: ${String(err)}`))
    await dropRedisPrefix(f.redisUrl, prefix).catch((err: unknown) => console.error(`could not drop kv prefix ${prefix}: ${String(err)}`))
  }
}
