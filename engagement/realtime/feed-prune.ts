// Pruning of realtime_feed: a pure plan (what may go, in bounded batches) and the periodic job that deletes it on every instance.
import type { Ctx } from '../context.ts'
import type { App } from '../platform/app-type.ts'
import { deleteFeedRange, feedPruneRows, markFeedEnded, type FeedPruneRow } from './feed.ts'
import { oldestResumable } from './resume.ts'
import type { FeedQueryable } from './types.ts'

/** How often each instance prunes. */
export const FEED_PRUNE_PERIOD_MS = 60_000
/** Most rows one DELETE removes (seqs are consecutive, so a range this long holds at most this many rows). */
export const FEED_PRUNE_BATCH_ROWS = 5000
/** Most DELETE statements one run makes; a backlog is worked off over several runs. */
export const FEED_PRUNE_MAX_BATCHES = 200

/** What the plan keeps and how it cuts. */
export interface FeedPrunePolicy {
  /** The resume window (`gatewayHistoryItems`). */
  historyItems: number
  /** Seqs kept below the window's oldest resumable one (see {@link pruneMarginItems}). */
  marginItems: number
  /** `feedRetentionAfterEndSec` in ms. */
  retentionAfterEndMs: number
  batchRows: number
  maxBatches: number
}

/** One DELETE: the event's rows with `fromSeq <= seq < belowSeq`. */
export interface FeedDeleteBatch {
  eventId: string
  fromSeq: number
  belowSeq: number
}

/** A run's work: record ends, forget reopened events, then delete batch by batch. */
export interface FeedPrunePlan {
  markEnded: string[]
  unmarkEnded: string[]
  deletes: FeedDeleteBatch[]
}

/**
 * The margin below the window. The window is measured from the counter, but a gateway instance plans
 * a resume from the newest seq it has delivered, which may trail the counter, and a replay in progress
 * reads the window while new items move it on; a tenth of the window more covers both.
 */
export function pruneMarginItems(historyItems: number): number {
  return Math.ceil(historyItems / 10)
}

/**
 * The oldest seq of the event that must stay: every row an event resumable within the window (and the
 * margin) needs; nothing at all once the event has been seen ended for `retentionAfterEndMs`.
 */
export function keepFromSeq(row: FeedPruneRow, policy: FeedPrunePolicy, nowMs: number, endedSeenAtMs: number | null): number {
  if (row.ended && endedSeenAtMs !== null && nowMs - endedSeenAtMs >= policy.retentionAfterEndMs) return row.lastSeq + 1
  return Math.max(1, oldestResumable(row.lastSeq, policy.historyItems) - policy.marginItems)
}

/** Plans one run over every event's feed; pure, so the rule is tested without a database. */
export function planFeedPrune(rows: readonly FeedPruneRow[], policy: FeedPrunePolicy, nowMs: number): FeedPrunePlan {
  const plan: FeedPrunePlan = { markEnded: [], unmarkEnded: [], deletes: [] }
  for (const row of rows) {
    if (!row.ended && row.endedSeenAtMs !== null) plan.unmarkEnded.push(row.eventId)
    if (row.oldestSeq === null) continue
    let seenAt = row.ended ? row.endedSeenAtMs : null
    if (row.ended && seenAt === null) {
      plan.markEnded.push(row.eventId)
      seenAt = nowMs
    }
    const below = keepFromSeq(row, policy, nowMs, seenAt)
    for (let from = row.oldestSeq; from < below && plan.deletes.length < policy.maxBatches; from += policy.batchRows) {
      plan.deletes.push({ eventId: row.eventId, fromSeq: from, belowSeq: Math.min(below, from + policy.batchRows) })
    }
  }
  return plan
}

/** What one run did. */
export interface FeedPruneResult {
  deletedRows: number
  statements: number
}

/** The policy from the service config. */
export function feedPrunePolicy(config: Ctx['config']): FeedPrunePolicy {
  return {
    historyItems: config.gatewayHistoryItems,
    marginItems: pruneMarginItems(config.gatewayHistoryItems),
    retentionAfterEndMs: config.feedRetentionAfterEndSec * 1000,
    batchRows: FEED_PRUNE_BATCH_ROWS,
    maxBatches: FEED_PRUNE_MAX_BATCHES,
  }
}

/**
 * One run: read, plan, then one short statement per batch, each its own transaction, so no lock is
 * held for long. Instances may run it at the same time: recording an end keeps the first record, and a
 * range deleted twice deletes nothing the second time.
 */
export async function pruneFeedOnce(db: FeedQueryable, policy: FeedPrunePolicy, nowMs: number): Promise<FeedPruneResult> {
  const plan = planFeedPrune(await feedPruneRows(db), policy, nowMs)
  await markFeedEnded(db, plan.markEnded, plan.unmarkEnded, nowMs)
  let deletedRows = 0
  for (const b of plan.deletes) deletedRows += await deleteFeedRange(db, b.eventId, b.fromSeq, b.belowSeq)
  return { deletedRows, statements: plan.deletes.length }
}

/** A running prune job. */
export interface FeedPruneJob {
  /** Runs once now (tests; the timer skips a run while one is in progress). */
  run(): Promise<FeedPruneResult>
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>
}

/** Starts the periodic prune on `ctx.db` (first run after a random part of a period, so instances spread out). */
export function startFeedPrune(ctx: Ctx, periodMs = FEED_PRUNE_PERIOD_MS): FeedPruneJob {
  let running: Promise<FeedPruneResult> | null = null
  let timer: NodeJS.Timeout | null = null
  let stopped = false
  const run = (): Promise<FeedPruneResult> => {
    running ??= pruneFeedOnce(ctx.db, feedPrunePolicy(ctx.config), ctx.now()).finally(() => {
      running = null
    })
    return running
  }
  const schedule = (delayMs: number): void => {
    if (stopped) return
    timer = setTimeout(() => {
      run()
        .then((r) => {
          if (r.deletedRows > 0) ctx.log.info({ rows: r.deletedRows, statements: r.statements }, 'realtime feed pruned')
        })
        .catch((err: unknown) => ctx.log.warn({ err: (err as Error).message }, 'realtime feed prune failed; the next run retries'))
        .finally(() => schedule(periodMs))
    }, delayMs)
    timer.unref()
  }
  schedule(Math.round(periodMs * (0.5 + Math.random() / 2)))
  return {
    run,
    async stop() {
      stopped = true
      if (timer !== null) clearTimeout(timer)
      await running?.catch(() => undefined)
    },
  }
}

/** Runs the prune job for the app's lifetime: stopped before the app closes its database. */
export function registerFeedPrune(app: App, ctx: Ctx): void {
  const job = startFeedPrune(ctx)
  app.addHook('preClose', () => job.stop())
}
