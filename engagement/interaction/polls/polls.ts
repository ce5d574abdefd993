// Poll and vote rows: insert, read, the host's open/close under a row lock, vote batches, the sweep's auto-close and finalize.
import type { Db, Queryable } from '../../platform/db.ts'
import { checkVote, closePoll, finalizeDue, finalizePoll, openPoll, type PollRecord, type StoredOption, type Transition, type VoteRefusal, type VoteRequest } from './poll-state.ts'

/** Advisory-lock class of a poll's vote gate (second key: `hashtext(poll id)`); see {@link storeVotes}. */
export const POLL_VOTE_LOCK_CLASS = 727_275

interface PollRow {
  id: string
  event_id: string
  question: string
  options: StoredOption[] | string
  status: PollRecord['status']
  audience: PollRecord['audience']
  duration_sec: number | null
  opened_at: Date | string | null
  closes_at: Date | string | null
  closed_at: Date | string | null
  finalized_at: Date | string | null
  final_counts: Record<string, number> | string | null
  created_by: string
  created_at: Date | string
}

const ms = (d: Date | string | null): number | null => (d === null ? null : (d instanceof Date ? d : new Date(d)).getTime())
const ts = (v: number | null): string | null => (v === null ? null : new Date(v).toISOString())
const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v)

function toRecord(r: PollRow): PollRecord {
  return {
    id: r.id,
    eventId: r.event_id,
    question: r.question,
    options: json(r.options),
    status: r.status,
    audience: r.audience,
    durationSec: r.duration_sec,
    openedAtMs: ms(r.opened_at),
    closesAtMs: ms(r.closes_at),
    closedAtMs: ms(r.closed_at),
    finalizedAtMs: ms(r.finalized_at),
    finalCounts: r.final_counts === null ? null : json(r.final_counts),
    createdBy: r.created_by,
    createdAtMs: ms(r.created_at) ?? 0,
  }
}

/** Stores a new draft. */
export async function insertPoll(q: Queryable, p: PollRecord): Promise<void> {
  await q.query(
    'INSERT INTO polls (id, event_id, question, options, status, audience, duration_sec, created_by, created_at) VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9::timestamptz)',
    [p.id, p.eventId, p.question, JSON.stringify(p.options), p.status, p.audience, p.durationSec, p.createdBy, ts(p.createdAtMs)],
  )
}

/** One poll, or null. */
export async function pollById(q: Queryable, id: string): Promise<PollRecord | null> {
  const rows = await q.query<PollRow>('SELECT * FROM polls WHERE id = $1', [id])
  return rows[0] === undefined ? null : toRecord(rows[0])
}

/** Several polls by id (in no particular order). */
export async function pollsByIds(q: Queryable, ids: readonly string[]): Promise<PollRecord[]> {
  if (ids.length === 0) return []
  const rows = await q.query<PollRow>('SELECT * FROM polls WHERE id = ANY($1::text[])', [ids])
  return rows.map(toRecord)
}

/** An event's polls, newest first; drafts only when asked for. */
export async function pollsOfEvent(q: Queryable, eventId: string, opts: { drafts: boolean; limit: number }): Promise<PollRecord[]> {
  const rows = await q.query<PollRow>(
    `SELECT * FROM polls WHERE event_id = $1 ${opts.drafts ? '' : "AND status <> 'draft'"} ORDER BY created_at DESC, id LIMIT $2`,
    [eventId, opts.limit],
  )
  return rows.map(toRecord)
}

/**
 * The polls of these events that live counts are about: open, in their grace, or finalized after
 * `finalSinceMs` (their final counts are repeated a little while in case a `poll` message was lost).
 */
export async function livePollsOfEvents(q: Queryable, eventIds: readonly string[], finalSinceMs: number): Promise<PollRecord[]> {
  if (eventIds.length === 0) return []
  const rows = await q.query<PollRow>(
    "SELECT * FROM polls WHERE event_id = ANY($1::text[]) AND status <> 'draft' AND (finalized_at IS NULL OR finalized_at > $2::timestamptz) ORDER BY created_at, id",
    [eventIds, ts(finalSinceMs)],
  )
  return rows.map(toRecord)
}

async function writeState(q: Queryable, p: PollRecord): Promise<void> {
  await q.query(
    'UPDATE polls SET status = $2, opened_at = $3::timestamptz, closes_at = $4::timestamptz, closed_at = $5::timestamptz, finalized_at = $6::timestamptz, final_counts = $7::jsonb WHERE id = $1',
    [p.id, p.status, ts(p.openedAtMs), ts(p.closesAtMs), ts(p.closedAtMs), ts(p.finalizedAtMs), p.finalCounts === null ? null : JSON.stringify(p.finalCounts)],
  )
}

/** Outcome of a host's open/close: the poll is not there (or belongs to another event), or the transition. */
export type HostTransition = { ok: false; error: 'POLL_NOT_FOUND' } | Transition

/** Applies a host's open or close to the poll under its row lock. */
export async function transitionPoll(db: Db, eventId: string, pollId: string, action: 'open' | 'close', nowMs: number): Promise<HostTransition> {
  return db.tx(async (q) => {
    const rows = await q.query<PollRow>('SELECT * FROM polls WHERE id = $1 AND event_id = $2 FOR UPDATE', [pollId, eventId])
    if (rows[0] === undefined) return { ok: false, error: 'POLL_NOT_FOUND' }
    const current = toRecord(rows[0])
    const t = action === 'open' ? openPoll(current, nowMs) : closePoll(current, nowMs)
    if (t.ok && t.changed) await writeState(q, t.poll)
    return t
  })
}

/** Closes every open poll whose `closes_at` has passed; returns them as closed. */
export async function closeExpiredPolls(db: Db, nowMs: number): Promise<PollRecord[]> {
  const rows = await db.query<PollRow>(
    "UPDATE polls SET status = 'closed', closed_at = closes_at WHERE status = 'open' AND closes_at <= $1::timestamptz AND finalized_at IS NULL RETURNING *",
    [ts(nowMs)],
  )
  return rows.map(toRecord)
}

/** Ids of polls whose grace has (possibly) passed and whose final counts are not read yet. */
export async function pollsDueForFinal(q: Queryable, nowMs: number, graceMs: number): Promise<string[]> {
  const rows = await q.query<{ id: string }>(
    "SELECT id FROM polls WHERE finalized_at IS NULL AND status <> 'draft' AND COALESCE(closed_at, closes_at) <= $1::timestamptz",
    [ts(nowMs - graceMs)],
  )
  return rows.map((r) => r.id)
}

/** Exact counts per option from the vote rows. */
export async function countVotes(q: Queryable, pollId: string): Promise<Record<string, number>> {
  const rows = await q.query<{ option_id: string; n: number | string }>('SELECT option_id, count(*) AS n FROM poll_votes WHERE poll_id = $1 GROUP BY option_id', [pollId])
  return Object.fromEntries(rows.map((r) => [r.option_id, Number(r.n)]))
}

/**
 * Reads the final counts of one poll once its grace has passed. The exclusive vote gate waits for
 * every vote transaction on the poll still running and keeps new ones out until this commits, so
 * the counts are exactly the stored votes and no vote is stored after them. Returns the finalized
 * record, or null when it was not due (or another instance finalized it first).
 */
export async function finalizeOnePoll(db: Db, pollId: string, nowMs: number, graceMs: number): Promise<PollRecord | null> {
  return db.tx(async (q) => {
    await q.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [POLL_VOTE_LOCK_CLASS, pollId])
    const rows = await q.query<PollRow>('SELECT * FROM polls WHERE id = $1 FOR UPDATE', [pollId])
    if (rows[0] === undefined) return null
    const current = toRecord(rows[0])
    if (!finalizeDue(current, nowMs, graceMs)) return null
    const final = finalizePoll(current, await countVotes(q, pollId), nowMs)
    await writeState(q, final)
    return final
  })
}

/** What became of one vote of a batch. */
export type StoredVote = { ok: true } | { ok: false; code: VoteRefusal | 'ALREADY_VOTED' }

/**
 * Stores `votes` in one transaction and returns one result per vote, in order; resolves only after
 * COMMIT, so an `ok` vote is durable. Throws (nothing stored) when the transaction fails.
 *
 * Each poll's vote gate is taken shared: batches run side by side, while the finalize of a poll
 * (exclusive gate, polls.ts) waits for them and keeps later ones out until its counts are read. The
 * polls are read after the gate, so a batch that waited sees the poll as final and stores nothing.
 * Within the batch the first acceptable vote of an account per poll is inserted; a later one in the
 * same batch, or one whose row exists already, is `ALREADY_VOTED`.
 */
export async function storeVotes(db: Db, votes: readonly VoteRequest[], nowMs: number, graceMs: number): Promise<StoredVote[]> {
  if (votes.length === 0) return []
  const pollIds = [...new Set(votes.map((v) => v.pollId))].sort()
  return db.tx(async (q) => {
    await q.query('SELECT pg_advisory_xact_lock_shared($1, hashtext(id)) FROM unnest($2::text[]) AS id', [POLL_VOTE_LOCK_CLASS, pollIds])
    const polls = new Map((await pollsByIds(q, pollIds)).map((p) => [p.id, p]))
    const out: StoredVote[] = votes.map(() => ({ ok: false, code: 'ALREADY_VOTED' }))
    const first = new Map<string, number>()
    for (const [i, v] of votes.entries()) {
      const refusal = checkVote(polls.get(v.pollId), v, nowMs, graceMs)
      if (refusal !== null) out[i] = { ok: false, code: refusal }
      else if (!first.has(`${v.pollId}\n${v.userId}`)) first.set(`${v.pollId}\n${v.userId}`, i)
    }
    if (first.size === 0) return out
    const chosen = [...first.values()].map((i) => votes[i] as VoteRequest)
    const inserted = await q.query<{ poll_id: string; user_id: string }>(
      `INSERT INTO poll_votes (poll_id, user_id, option_id, created_at)
       SELECT v.poll_id, v.user_id, v.option_id, $4::timestamptz FROM unnest($1::text[], $2::text[], $3::text[]) AS v(poll_id, user_id, option_id)
       ON CONFLICT (poll_id, user_id) DO NOTHING RETURNING poll_id, user_id`,
      [chosen.map((v) => v.pollId), chosen.map((v) => v.userId), chosen.map((v) => v.optionId), new Date(nowMs).toISOString()],
    )
    for (const r of inserted) {
      const i = first.get(`${r.poll_id}\n${r.user_id}`)
      if (i !== undefined) out[i] = { ok: true }
    }
    return out
  })
}
