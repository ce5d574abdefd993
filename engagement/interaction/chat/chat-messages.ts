// Rows of chat messages (sequenced by the event's feed) and of the reports viewers file on them.
import type { ChatMessage } from '../../../common/wire/interaction.ts'
import type { Queryable } from '../../platform/db.ts'

/** Statements run on the database or inside a feed transaction. */
type Sql = Pick<Queryable, 'query'>

/** A message as stored. */
export interface StoredMessage {
  id: string
  eventId: string
  seq: number
  userId: string
  authorName: string
  text: string
  createdAtMs: number
  deletedAtMs: number | null
}

interface MessageRow {
  id: string
  event_id: string
  seq: string | number
  user_id: string
  author_name: string
  text: string
  created_at: Date | string
  deleted_at: Date | string | null
}

const ms = (d: Date | string): number => (d instanceof Date ? d : new Date(d)).getTime()
const toMessage = (r: MessageRow): StoredMessage => ({
  id: r.id,
  eventId: r.event_id,
  seq: Number(r.seq),
  userId: r.user_id,
  authorName: r.author_name,
  text: r.text,
  createdAtMs: ms(r.created_at),
  deletedAtMs: r.deleted_at === null ? null : ms(r.deleted_at),
})

/** The wire shape (everyone sees the same message). */
export function messageView(m: Pick<StoredMessage, 'id' | 'eventId' | 'userId' | 'authorName' | 'text' | 'createdAtMs'>): ChatMessage {
  return { id: m.id, eventId: m.eventId, author: { userId: m.userId, displayName: m.authorName }, text: m.text, createdAt: new Date(m.createdAtMs).toISOString() }
}

/** A message stored earlier under this user's client key (a retried send), or null. */
export async function messageByClientKey(q: Sql, userId: string, clientKey: string): Promise<StoredMessage | null> {
  const rows = await q.query<MessageRow>('SELECT * FROM chat_messages WHERE user_id = $1 AND client_key = $2', [userId, clientKey])
  return rows[0] === undefined ? null : toMessage(rows[0])
}

/** Stores a message with the seq its feed item got; false when the client key was taken meanwhile. */
export async function insertMessage(q: Sql, m: StoredMessage, clientKey: string | null): Promise<boolean> {
  const rows = await q.query(
    `INSERT INTO chat_messages (id, event_id, seq, user_id, author_name, text, created_at, client_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (user_id, client_key) DO NOTHING RETURNING id`,
    [m.id, m.eventId, m.seq, m.userId, m.authorName, m.text, new Date(m.createdAtMs), clientKey],
  )
  return rows.length === 1
}

/** The message if it belongs to the event (deleted ones too); `forUpdate` locks it. */
export async function messageById(q: Sql, eventId: string, id: string, forUpdate = false): Promise<StoredMessage | null> {
  const rows = await q.query<MessageRow>(`SELECT * FROM chat_messages WHERE id = $1 AND event_id = $2${forUpdate ? ' FOR NO KEY UPDATE' : ''}`, [id, eventId])
  return rows[0] === undefined ? null : toMessage(rows[0])
}

/** Marks a message deleted. */
export async function markDeleted(q: Sql, id: string, by: string, nowMs: number): Promise<void> {
  await q.query('UPDATE chat_messages SET deleted_at = $2, deleted_by = $3 WHERE id = $1', [id, new Date(nowMs), by])
}

/** The newest `limit` messages not deleted with seq below `beforeSeq` (all when null), oldest first. */
export async function recentMessages(q: Sql, eventId: string, beforeSeq: number | null, limit: number): Promise<StoredMessage[]> {
  const rows = await q.query<MessageRow>(
    'SELECT * FROM chat_messages WHERE event_id = $1 AND deleted_at IS NULL AND ($2::bigint IS NULL OR seq < $2) ORDER BY seq DESC LIMIT $3',
    [eventId, beforeSeq, limit],
  )
  return rows.map(toMessage).reverse()
}

/** Files a report; false when this user already reported the message. */
export async function insertReport(q: Sql, r: { messageId: string; userId: string; eventId: string; reason: string; nowMs: number }): Promise<boolean> {
  const rows = await q.query('INSERT INTO chat_reports (message_id, user_id, event_id, reason, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING user_id', [
    r.messageId,
    r.userId,
    r.eventId,
    r.reason,
    new Date(r.nowMs),
  ])
  return rows.length === 1
}

/** A report with the message and reporter, as moderators list them. */
export interface ReportRow {
  message: StoredMessage
  reporterId: string
  reporterName: string
  reason: string
  createdAtMs: number
}

/** The event's reports, newest first; with `openOnly`, only those on messages still shown. */
export async function listReports(q: Sql, eventId: string, opts: { openOnly: boolean; limit: number }): Promise<ReportRow[]> {
  const rows = await q.query<MessageRow & { reporter_id: string; reporter_name: string; reason: string; reported_at: Date | string }>(
    `SELECT m.*, r.user_id AS reporter_id, u.display_name AS reporter_name, r.reason, r.created_at AS reported_at
       FROM chat_reports r JOIN chat_messages m ON m.id = r.message_id JOIN users u ON u.id = r.user_id
      WHERE r.event_id = $1 AND ($2::boolean = false OR m.deleted_at IS NULL)
      ORDER BY r.created_at DESC, r.message_id, r.user_id LIMIT $3`,
    [eventId, opts.openOnly, opts.limit],
  )
  return rows.map((r) => ({ message: toMessage(r), reporterId: r.reporter_id, reporterName: r.reporter_name, reason: r.reason, createdAtMs: ms(r.reported_at) }))
}
