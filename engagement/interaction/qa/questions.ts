// Rows of Q&A questions and their upvotes (one per account per question, counted in the same transaction).
import type { Queryable } from '../../platform/db.ts'

/** Statements run on the database or inside a feed transaction. */
type Sql = Pick<Queryable, 'query'>
import type { QuestionSort, StoredQuestion } from './question-rules.ts'

interface QuestionRow {
  id: string
  event_id: string
  user_id: string
  author_name: string
  text: string
  anonymous: boolean
  status: StoredQuestion['status']
  pinned: boolean
  answered_at: Date | string | null
  upvotes: number
  created_at: Date | string
}

const ms = (d: Date | string): number => (d instanceof Date ? d : new Date(d)).getTime()
const toQuestion = (r: QuestionRow): StoredQuestion => ({
  id: r.id,
  eventId: r.event_id,
  userId: r.user_id,
  authorName: r.author_name,
  text: r.text,
  anonymous: r.anonymous,
  status: r.status,
  pinned: r.pinned,
  answeredAtMs: r.answered_at === null ? null : ms(r.answered_at),
  upvotes: Number(r.upvotes),
  createdAtMs: ms(r.created_at),
})

/** Stores a new question; with a client key, a retry returns the question first stored under it (`created` false). */
export async function insertQuestion(q: Sql, s: StoredQuestion, clientKey: string | null): Promise<{ question: StoredQuestion; created: boolean }> {
  const rows = await q.query<QuestionRow>(
    `INSERT INTO questions (id, event_id, user_id, author_name, text, anonymous, status, pinned, upvotes, created_at, client_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7, false, 0, $8, $9) ON CONFLICT (user_id, client_key) DO NOTHING RETURNING *`,
    [s.id, s.eventId, s.userId, s.authorName, s.text, s.anonymous, s.status, new Date(s.createdAtMs), clientKey],
  )
  if (rows[0] !== undefined) return { question: toQuestion(rows[0]), created: true }
  const prior = clientKey === null ? null : await questionByClientKey(q, s.userId, clientKey)
  if (prior === null) throw new Error('idempotent question vanished')
  return { question: prior, created: false }
}

/** The question this user stored under a client key, or null. */
export async function questionByClientKey(q: Sql, userId: string, clientKey: string): Promise<StoredQuestion | null> {
  const rows = await q.query<QuestionRow>('SELECT * FROM questions WHERE user_id = $1 AND client_key = $2', [userId, clientKey])
  return rows[0] === undefined ? null : toQuestion(rows[0])
}

/**
 * The question if it belongs to the event; `forUpdate` locks it for a moderation change (NO KEY
 * UPDATE: upvote inserts hold key-share locks on the row, which a plain FOR UPDATE would wait on
 * and could deadlock with).
 */
export async function questionById(q: Sql, eventId: string, id: string, forUpdate = false): Promise<StoredQuestion | null> {
  const rows = await q.query<QuestionRow>(`SELECT * FROM questions WHERE id = $1 AND event_id = $2${forUpdate ? ' FOR NO KEY UPDATE' : ''}`, [id, eventId])
  return rows[0] === undefined ? null : toQuestion(rows[0])
}

/** Writes a question's moderation state. */
export async function saveModeration(q: Sql, s: StoredQuestion): Promise<void> {
  await q.query('UPDATE questions SET status = $2, pinned = $3, answered_at = $4 WHERE id = $1', [s.id, s.status, s.pinned, s.answeredAtMs === null ? null : new Date(s.answeredAtMs)])
}

/** Which questions to list. */
export interface QuestionFilter {
  eventId: string
  /** Statuses to include. */
  statuses: readonly StoredQuestion['status'][]
  /** Also include this user's own questions in any status (the asker sees theirs while pending). */
  alsoOwnOf?: string | null
  sort: QuestionSort
  limit: number
}

/** Questions in display order (pinned first; see compareQuestions for the same rule in code). */
export async function listQuestions(q: Sql, f: QuestionFilter): Promise<StoredQuestion[]> {
  const order = f.sort === 'top' ? 'pinned DESC, upvotes DESC, created_at ASC, id ASC' : 'pinned DESC, created_at DESC, id DESC'
  const rows = await q.query<QuestionRow>(
    `SELECT * FROM questions WHERE event_id = $1 AND (status = ANY($2::text[]) OR user_id = $3) ORDER BY ${order} LIMIT $4`,
    [f.eventId, [...f.statuses], f.alsoOwnOf ?? null, f.limit],
  )
  return rows.map(toQuestion)
}

/** Outcome of one upvote. */
export type UpvoteResult = { ok: true; upvotes: number } | { ok: false; code: 'ALREADY_UPVOTED' }

/** One upvote to store. */
export interface UpvoteItem {
  questionId: string
  userId: string
  nowMs: number
}

/**
 * Stores a batch of upvotes in one transaction: one multi-row insert (a second upvote of the same
 * account changes nothing, also within the batch), then each question's count raised once by the
 * number of new rows, with the questions locked in id order so concurrent batches cannot deadlock.
 * Returns one result per item, in order, with the question's total after the batch.
 */
export async function addUpvotes(q: Sql, items: readonly UpvoteItem[]): Promise<UpvoteResult[]> {
  if (items.length === 0) return []
  const inserted = await q.query<{ question_id: string; user_id: string }>(
    `INSERT INTO question_upvotes (question_id, user_id, created_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[])
     ON CONFLICT DO NOTHING RETURNING question_id, user_id`,
    [items.map((i) => i.questionId), items.map((i) => i.userId), items.map((i) => new Date(i.nowMs))],
  )
  const added = new Map<string, number>()
  for (const r of inserted) added.set(r.question_id, (added.get(r.question_id) ?? 0) + 1)
  const ids = [...added.keys()].sort()
  const totals = new Map<string, number>()
  if (ids.length > 0) {
    await q.query('SELECT id FROM questions WHERE id = ANY($1::text[]) ORDER BY id FOR NO KEY UPDATE', [ids])
    const rows = await q.query<{ id: string; upvotes: number }>(
      `UPDATE questions SET upvotes = questions.upvotes + d.n
         FROM (SELECT * FROM unnest($1::text[], $2::int[]) AS t(id, n)) d
        WHERE questions.id = d.id RETURNING questions.id, questions.upvotes`,
      [ids, ids.map((id) => added.get(id) ?? 0)],
    )
    for (const r of rows) totals.set(r.id, Number(r.upvotes))
  }
  // Each inserted (question, user) pair answers its first caller; any repeat is a second upvote.
  const fresh = new Set(inserted.map((r) => `${r.question_id}\u0000${r.user_id}`))
  return items.map((i) => {
    const key = `${i.questionId}\u0000${i.userId}`
    if (!fresh.delete(key)) return { ok: false, code: 'ALREADY_UPVOTED' }
    return { ok: true, upvotes: totals.get(i.questionId) ?? 0 }
  })
}

/** The ids of questions this user upvoted among `ids` (so a client can show its own upvotes). */
export async function upvotedBy(q: Sql, userId: string, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return []
  const rows = await q.query<{ question_id: string }>('SELECT question_id FROM question_upvotes WHERE user_id = $1 AND question_id = ANY($2::text[])', [userId, [...ids]])
  return rows.map((r) => r.question_id)
}
