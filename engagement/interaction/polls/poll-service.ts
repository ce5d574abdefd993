// One per instance: the vote batcher, this instance's live tally and its merge through kv, and the close/finalize sweep.
import { randomBytes } from 'node:crypto'
import type { Poll } from '../../../common/wire/interaction.ts'
import type { Audience } from '../../realtime/types.ts'
import type { Ctx } from '../../context.ts'
import { pollView, type PollRecord, type VoteRefusal, type VoteRequest } from './poll-state.ts'
import { closeExpiredPolls, finalizeOnePoll, pollsDueForFinal, storeVotes, type StoredVote } from './polls.ts'
import { Batcher } from './vote-batcher.ts'
import { LocalTally, mergedCounts, type Counts } from './tally.ts'

/** What a voter is told: stored (durable), or why not. */
export type VoteOutcome = StoredVote | { ok: false; code: 'TOO_MANY_REQUESTS'; retryAfterSec: number }

/** Refusal codes of a vote, as REST and the socket send them. */
export type VoteErrorCode = VoteRefusal | 'ALREADY_VOTED' | 'TOO_MANY_REQUESTS'

const RATE_WINDOW_MS = 60_000
// A poll's merged tally outlives any poll (at most an hour plus the grace) by far, then expires.
const TALLY_TTL_MS = 48 * 3600 * 1000

/** kv key of a poll's merged live tally (one field per instance and option). */
export const tallyKey = (pollId: string): string => `poll:tally:${pollId}`

/** The per-instance polls machinery; get it with {@link pollService}. */
export class PollService {
  /** Distinct per process start, so a restarted instance never overwrites its predecessor's counts. */
  readonly instanceId = `${process.pid.toString(36)}-${randomBytes(5).toString('hex')}`
  readonly tally = new LocalTally(this.instanceId)
  private readonly batcher: Batcher<VoteRequest, VoteOutcome>
  private reporting: Promise<void> | null = null
  private ticking: Promise<void> | null = null
  private readonly timer: NodeJS.Timeout

  constructor(private readonly ctx: Ctx) {
    const c = ctx.config
    this.batcher = new Batcher({ maxItems: c.pollVoteBatchMaxVotes, delayMs: c.pollVoteBatchDelayMs, maxInFlight: c.pollVoteBatchesInFlight, run: (votes) => this.runBatch(votes) })
    // Runs on every instance, with or without a gateway: reports this instance's counts and moves polls on.
    this.timer = setInterval(() => void this.tick(), c.gatewayTickMs)
    this.timer.unref()
  }

  /** Submits one vote to the batch; resolves once its batch committed (or refused it). Throws when the batch failed. */
  vote(v: VoteRequest): Promise<VoteOutcome> {
    return this.batcher.submit(v)
  }

  private async runBatch(votes: VoteRequest[]): Promise<VoteOutcome[]> {
    const now = this.ctx.now()
    // One counter hash per window numbered by the service clock, one round trip for the whole batch.
    const window = Math.floor(now / RATE_WINDOW_MS)
    const leftMs = (window + 1) * RATE_WINDOW_MS - now
    const perUser: Counts = {}
    for (const v of votes) perUser[v.userId] = (perUser[v.userId] ?? 0) + 1
    const used = await this.ctx.kv.hIncrBy(`rl:poll-vote:${String(window)}`, perUser, leftMs + 1000)
    const limit = this.ctx.config.pollVotesPerAccountPerMin
    const seen: Counts = {}
    const out: (VoteOutcome | null)[] = votes.map((v) => {
      // The counter already holds this batch: an account's k-th vote in it is its (used - n + k)-th.
      seen[v.userId] = (seen[v.userId] ?? 0) + 1
      const nth = (used[v.userId] ?? 0) - (perUser[v.userId] ?? 0) + (seen[v.userId] ?? 0)
      return nth > limit ? { ok: false, code: 'TOO_MANY_REQUESTS', retryAfterSec: Math.max(1, Math.ceil(leftMs / 1000)) } : null
    })
    const toStore = votes.filter((_, i) => out[i] === null)
    const stored = await storeVotes(this.ctx.db, toStore, now, this.ctx.config.pollVoteGraceMs)
    let j = 0
    return out.map((o, i) => {
      if (o !== null) return o
      const s = stored[j++] ?? { ok: false, code: 'ALREADY_VOTED' }
      const v = votes[i]
      if (s.ok && v !== undefined) this.tally.add(v.pollId, v.optionId)
      return s
    })
  }

  /** Writes the counts this instance owes to kv (serialised: concurrent callers share one run). */
  reportTallies(): Promise<void> {
    // A run in progress may have read the tally before the caller's vote was counted: wait, then run again.
    if (this.reporting !== null) return this.reporting.catch(() => undefined).then(() => this.reportTallies())
    const run = (async () => {
      for (const [pollId, fields] of this.tally.pending()) {
        await this.ctx.kv.hMax(tallyKey(pollId), fields, TALLY_TTL_MS)
        this.tally.reported(pollId, fields)
      }
    })().finally(() => {
      this.reporting = null
    })
    this.reporting = run
    return run
  }

  /** Merged live counts of a poll over every instance (after this instance's own report). */
  async liveCounts(pollIds: readonly string[]): Promise<Map<string, Counts>> {
    await this.reportTallies()
    const out = new Map<string, Counts>()
    for (const id of pollIds) out.set(id, mergedCounts(await this.ctx.kv.hGetAll(tallyKey(id))))
    return out
  }

  /** Wire objects of `polls` at this moment: stored counts once final, else the merged live ones. */
  async views(polls: readonly PollRecord[]): Promise<Poll[]> {
    const live = await this.liveCounts(polls.filter((p) => p.finalCounts === null && p.status !== 'draft').map((p) => p.id))
    const now = this.ctx.now()
    // Final counts live in the database: this instance's tally of such a poll is no longer needed.
    for (const p of polls) if (p.finalCounts !== null) this.tally.forget(p.id)
    return polls.map((p) => pollView(p, live.get(p.id) ?? {}, now, this.ctx.config.pollVoteGraceMs))
  }

  /** The wire object of one poll. */
  async view(p: PollRecord): Promise<Poll> {
    const [v] = await this.views([p])
    if (v === undefined) throw new Error('unreachable: one view per poll')
    return v
  }

  /** Sends a poll's current state to every instance's subscribers of its event (drafts to moderators only). */
  async publish(p: PollRecord): Promise<Poll> {
    const view = await this.view(p)
    const audience: Audience = p.status === 'draft' ? 'moderators' : 'public'
    await this.ctx.realtime.publish(p.eventId, { type: 'poll', poll: view }, audience)
    return view
  }

  /** Closes polls whose duration ran out and finalizes those past their grace; publishes each change. */
  async sweep(): Promise<void> {
    const now = this.ctx.now()
    const grace = this.ctx.config.pollVoteGraceMs
    for (const p of await closeExpiredPolls(this.ctx.db, now)) await this.publish(p)
    for (const id of await pollsDueForFinal(this.ctx.db, now, grace)) {
      const final = await finalizeOnePoll(this.ctx.db, id, now, grace)
      if (final === null) continue
      await this.publish(final)
      this.tally.forget(id)
    }
  }

  /** One background step: report counts, then sweep. Errors are logged; the next tick tries again. */
  tick(): Promise<void> {
    if (this.ticking !== null) return this.ticking
    this.ticking = (async () => {
      try {
        await this.reportTallies()
        await this.sweep()
      } catch (err) {
        this.ctx.log.warn({ err: (err as Error).message }, 'poll tick failed')
      }
    })().finally(() => {
      this.ticking = null
    })
    return this.ticking
  }

  /** Stops the timer, stores the queued votes, reports the last counts. */
  async close(): Promise<void> {
    clearInterval(this.timer)
    await this.batcher.close()
    await this.ticking
    await this.reportTallies().catch((err: unknown) => this.ctx.log.warn({ err: (err as Error).message }, 'last poll tally report failed'))
  }
}

const services = new WeakMap<Ctx, PollService>()

/** The instance's poll service for `ctx` (REST routes and the gateway hooks share it). */
export function pollService(ctx: Ctx): PollService {
  let s = services.get(ctx)
  if (s === undefined) {
    s = new PollService(ctx)
    services.set(ctx, s)
  }
  return s
}

/** Closes the service of `ctx` if one was made. */
export async function closePollService(ctx: Ctx): Promise<void> {
  const s = services.get(ctx)
  if (s === undefined) return
  services.delete(ctx)
  await s.close()
}
