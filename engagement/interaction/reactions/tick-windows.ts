// Counts that cross instances once per tick: reactions (summed) and question upvote totals (grow-only), in kv hashes per tick window.
import type { Static } from 'typebox'
import { REACTION_EMOJI } from '../../../common/wire/interaction.ts'
import type { QuestionVotesMsg, ReactionsMsg } from '../../../common/wire/realtime.ts'
import type { Ctx } from '../../context.ts'
import { ReactionTally, mergeCounts, windowEndMs, windowOf, windowsToRead, type Counts } from './reaction-tally.ts'

/** Window hashes outlive the few ticks in which readers need them. */
const WINDOW_TTL_MS = 60_000
/** A reader more than this many windows behind skips the oldest. */
const MAX_CATCH_UP = 8
const EMOJI = new Set<string>(REACTION_EMOJI)

const reactionKey = (eventId: string, w: number): string => `rx:{${eventId}}:${String(w)}`
const votesKey = (eventId: string, w: number): string => `qv:{${eventId}}:${String(w)}`

/** What a gateway instance broadcasts to one event's local subscribers after a tick. */
export interface TickOutput {
  reactions: Static<typeof ReactionsMsg> | null
  votes: Static<typeof QuestionVotesMsg> | null
}

/**
 * Each instance (REST or gateway) counts in memory and, once per tick, adds its reaction deltas
 * into the kv hash of the current window (HINCRBY) and raises the upvote totals it committed (hMax:
 * totals come from the database, so a field never goes down and writer order does not matter).
 * Each gateway instance reads every window once, a tick after it ended (so every instance's flush
 * into it has landed), and broadcasts one `reactions` and one `question.votes` per event per tick.
 * Cost: instances × ticks × events, never reactions × viewers.
 */
export class TickWindows {
  readonly reactions = new ReactionTally()
  private upvotes = new Map<string, Map<string, number>>()
  private readonly lastRead = new Map<string, number>()
  private timer: NodeJS.Timeout | undefined

  constructor(private readonly ctx: Ctx) {}

  private get windowMs(): number {
    return this.ctx.config.gatewayTickMs
  }

  /** Remembers a question's committed upvote total for the next flush. */
  noteUpvotes(eventId: string, questionId: string, total: number): void {
    const m = this.upvotes.get(eventId) ?? new Map<string, number>()
    m.set(questionId, Math.max(total, m.get(questionId) ?? 0))
    this.upvotes.set(eventId, m)
  }

  /** Writes this instance's counts since the last flush into the window of `nowMs`; on failure they wait for the next. */
  async flush(nowMs: number): Promise<void> {
    const w = windowOf(nowMs, this.windowMs)
    const reactions = this.reactions.take()
    const upvotes = this.upvotes
    this.upvotes = new Map()
    const writes: Promise<unknown>[] = []
    for (const [eventId, counts] of reactions) {
      writes.push(
        this.ctx.kv.hIncrBy(reactionKey(eventId, w), counts, WINDOW_TTL_MS).catch((err: unknown) => {
          this.reactions.restore(new Map([[eventId, counts]]))
          throw err
        }),
      )
    }
    for (const [eventId, totals] of upvotes) {
      writes.push(
        this.ctx.kv.hMax(votesKey(eventId, w), Object.fromEntries(totals), WINDOW_TTL_MS).catch((err: unknown) => {
          for (const [q, n] of totals) this.noteUpvotes(eventId, q, n)
          throw err
        }),
      )
    }
    const failed = (await Promise.allSettled(writes)).filter((r) => r.status === 'rejected')
    if (failed.length > 0) this.ctx.log.warn({ err: String((failed[0] as PromiseRejectedResult).reason), failed: failed.length }, 'tick counts not flushed; retrying next tick')
  }

  /** Reads the windows of one event that are ready at `nowMs` and not read yet by this instance. */
  async read(eventId: string, nowMs: number): Promise<TickOutput> {
    const range = windowsToRead(this.lastRead.get(eventId) ?? null, nowMs, this.windowMs, this.windowMs, MAX_CATCH_UP)
    if (range === null) return { reactions: null, votes: null }
    let reactions: Counts = {}
    const votes: Counts = {}
    for (let w = range.from; w <= range.to; w++) {
      const [rx, qv] = await Promise.all([this.ctx.kv.hGetAll(reactionKey(eventId, w)), this.ctx.kv.hGetAll(votesKey(eventId, w))])
      const rxCounts: Counts = {}
      for (const [emoji, n] of Object.entries(rx)) if (EMOJI.has(emoji) && Number(n) > 0) rxCounts[emoji] = Number(n)
      reactions = mergeCounts(reactions, rxCounts)
      for (const [q, n] of Object.entries(qv)) if (Number(n) >= 0) votes[q] = Math.max(votes[q] ?? 0, Number(n))
    }
    this.lastRead.set(eventId, range.to)
    return {
      reactions: Object.keys(reactions).length > 0 ? { type: 'reactions', at: windowEndMs(range.to, this.windowMs), counts: reactions } : null,
      votes: Object.keys(votes).length > 0 ? { type: 'question.votes', counts: votes } : null,
    }
  }

  /** Drops read positions of events this instance no longer serves. */
  retain(eventIds: readonly string[]): void {
    const keep = new Set(eventIds)
    for (const e of this.lastRead.keys()) if (!keep.has(e)) this.lastRead.delete(e)
  }

  /** Flushes every tick on a timer (instances that take REST writes; the gateway's own tick also flushes). */
  start(): void {
    if (this.timer !== undefined) return
    this.timer = setInterval(() => void this.flush(this.ctx.now()).catch(() => undefined), this.windowMs)
    this.timer.unref()
  }

  /** Stops the timer and flushes what is left. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    await this.flush(this.ctx.now()).catch(() => undefined)
  }
}

const stores = new WeakMap<Ctx, TickWindows>()

/** This app's tick counts (one per `Ctx`). */
export function tickWindows(ctx: Ctx): TickWindows {
  let s = stores.get(ctx)
  if (s === undefined) {
    s = new TickWindows(ctx)
    stores.set(ctx, s)
  }
  return s
}
