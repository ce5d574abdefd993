// Stores one batch of votes in one transaction: gate, check against the polls as stored, insert once per account.
import type { Db } from '../../platform/db.ts'
import { checkVote, type VoteRefusal, type VoteRequest } from './poll-state.ts'
import { POLL_VOTE_LOCK_CLASS, pollsByIds } from './polls.ts'

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
