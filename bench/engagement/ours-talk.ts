// Ordered-item phases of the engagement bench: moderator delete → removal at every subscriber, and the reconnect storm.
import { Histogram, round, summarize, type DelaySummary } from './stats.ts'
import { cpuSecondsOf, sleep, type Loaders } from './procs.ts'
import type { ApiClient } from './setup.ts'
import type { BenchFlags } from './flags.ts'

const wall = (): number => performance.timeOrigin + performance.now()

/**
 * The host (creator, 2FA session) posts a message, lets it reach everyone, then deletes it; every
 * subscriber records when its `chat.deleted` arrives. Delay = arrival − the moment the DELETE was sent.
 */
export async function moderatorDeletes(loaders: Loaders, host: ApiClient, eventId: string, n: number, pids: number[]): Promise<DelaySummary & { deletes: number; socketsDroppedByServer: number; dropsBy: Record<string, number>; engagementCpuSec: number }> {
  const sentAtMs: Record<string, number> = {}
  const cpu0 = cpuSecondsOf(pids)
  for (let d = 0; d < n; d++) {
    const posted = await host.must('POST', `/api/events/${eventId}/chat/messages`, { text: `probe ${String(d)}` }, [201])
    const id = (posted.message as { id: string }).id
    await sleep(400)
    const t0 = wall()
    await host.must('DELETE', `/api/events/${eventId}/chat/messages/${id}`, undefined, [200])
    sentAtMs[id] = t0
    await sleep(200)
  }
  const cpuSec = cpuSecondsOf(pids) - cpu0
  await sleep(2000)
  const reports = await loaders.all({ cmd: 'delete-report', sentAtMs })
  const h = new Histogram()
  let missing = 0
  for (const r of reports) {
    if (r.delays !== undefined) h.merge(r.delays)
    missing += r.missing ?? 0
  }
  const prog = await loaders.all({ cmd: 'progress' })
  const dropsBy: Record<string, number> = {}
  for (const r of prog) for (const [k, v] of Object.entries(r.dropsBy ?? {})) dropsBy[k] = (dropsBy[k] ?? 0) + v
  return { deletes: n, ...summarize(h, missing), socketsDroppedByServer: prog.reduce((k, r) => k + (r.dropped ?? 0), 0), dropsBy, engagementCpuSec: round(cpuSec, 2) }
}

/** What the reconnect storm measured. */
export interface StormResult {
  subscribers: number
  reconnected: number
  failed: number
  firstError?: string
  /** From the drop until the last subscriber had its hello again. */
  reconnectSec: number
  /** From the drop until every subscriber had every chat item generated before, during and up to the end of the storm. */
  allCaughtUpSec: number | null
  itemsGenerated: number
  /** Items whose POST failed (not in the feed, so not expected). */
  itemsRefused: number
  firstRefusal?: string
  /** (subscriber, item) pairs that never arrived: must be 0. */
  itemsMissed: number
  duplicates: number
  outOfOrder: number
  /** `gap` frames received (the resume could not be served in order); each is followed by a snapshot whose chat counts as received. */
  gaps: number
  snapshots: number
  /** Sockets the server closed so far (outside the storm's own drop). */
  socketsDroppedByServer: number
  engagementCpuSec: number
}

/**
 * Chat items are generated at `stormRate` per second by chatter accounts (through both
 * instances); after 1.5 s every subscriber drops at once and reconnects, resuming after its last
 * seq. The generator runs until the last one is back. Then every subscriber must hold every item
 * exactly once, in seq order.
 */
export async function reconnectStorm(loaders: Loaders, talkers: ApiClient[], eventId: string, f: BenchFlags, tag: string, pids: number[]): Promise<StormResult> {
  const maxItems = Math.ceil(f.stormRate * 180)
  const stormTag = `storm ${tag} `
  await loaders.all({ cmd: 'storm-arm', tag: stormTag, items: maxItems })
  let next = 0
  let stop = false
  const refused: number[] = []
  let firstRefusal: string | undefined
  const generator = (async () => {
    const period = 1000 / f.stormRate
    let due = wall()
    while (!stop && next < maxItems) {
      const k = next++
      const c = talkers[k % talkers.length] as ApiClient
      const r = await c.req('POST', `/api/events/${eventId}/chat/messages`, { text: `${stormTag}${String(k)}` }).catch((err: unknown) => ({ status: 0, body: { error: String(err) } }))
      if (r.status !== 201) {
        refused.push(k)
        firstRefusal ??= `${String(r.status)} ${JSON.stringify(r.body).slice(0, 200)}`
      }
      due += period
      await sleep(Math.max(0, due - wall()))
    }
  })()
  await sleep(1500)
  const cpu0 = cpuSecondsOf(pids)
  const t0 = wall()
  const back = await loaders.all({ cmd: 'storm-drop', concurrency: f.concurrency }, 900_000)
  stop = true
  await generator
  const items = next
  const lastHello = Math.max(...back.map((r) => r.lastHelloMs ?? 0))
  let report = await loaders.all({ cmd: 'storm-report', items, skip: refused })
  for (let i = 0; i < 30 && report.some((r) => (r.storm?.missed ?? 0) > 0); i++) {
    await sleep(500)
    report = await loaders.all({ cmd: 'storm-report', items, skip: refused })
  }
  const cpuSec = cpuSecondsOf(pids) - cpu0
  let missed = 0
  let duplicates = 0
  let outOfOrder = 0
  let gaps = 0
  let snapshots = 0
  let lastArrival = Number.NaN
  for (const r of report) {
    const s = r.storm
    if (s === undefined) continue
    missed += s.missed
    duplicates += s.duplicates
    outOfOrder += s.outOfOrder
    gaps += r.gaps ?? 0
    snapshots += r.snapshots ?? 0
    if (!Number.isNaN(s.lastArrivalMs) && (Number.isNaN(lastArrival) || s.lastArrivalMs > lastArrival)) lastArrival = s.lastArrivalMs
  }
  const firstError = back.find((r) => r.firstError !== undefined)?.firstError
  const caughtUp = missed === 0 && !Number.isNaN(lastArrival) ? Math.max(lastArrival, lastHello) : Number.NaN
  return {
    subscribers: back.reduce((n, r) => n + (r.connected ?? 0) + (r.failed ?? 0), 0),
    reconnected: back.reduce((n, r) => n + (r.connected ?? 0), 0),
    failed: back.reduce((n, r) => n + (r.failed ?? 0), 0),
    ...(firstError !== undefined ? { firstError } : {}),
    reconnectSec: round((lastHello - t0) / 1000, 2),
    allCaughtUpSec: Number.isNaN(caughtUp) ? null : round((caughtUp - t0) / 1000, 2),
    itemsGenerated: items,
    itemsRefused: refused.length,
    ...(firstRefusal !== undefined ? { firstRefusal } : {}),
    itemsMissed: missed,
    duplicates,
    outOfOrder,
    gaps,
    snapshots,
    socketsDroppedByServer: report.reduce((n, r) => n + (r.dropped ?? 0), 0),
    engagementCpuSec: round(cpuSec, 2),
  }
}
