// Rows of chat bans and timeouts: who may not write on an event, and until when.
import type { Queryable } from '../../platform/db.ts'

/** Statements run on the database or inside a feed transaction. */
type Sql = Pick<Queryable, 'query'>

/** A ban (no end) or a timeout (ends at `untilMs`). */
export interface Restriction {
  kind: 'ban' | 'timeout'
  untilMs: number | null
}

interface RestrictionRow {
  user_id: string
  kind: 'ban' | 'timeout'
  until: Date | string | null
}

const ms = (d: Date | string): number => (d instanceof Date ? d : new Date(d)).getTime()

/** Bans and timeouts of the event still in force at `nowMs`, by user. */
export async function activeRestrictions(q: Sql, eventId: string, nowMs: number): Promise<Map<string, Restriction>> {
  const rows = await q.query<RestrictionRow>('SELECT user_id, kind, until FROM chat_restrictions WHERE event_id = $1 AND (until IS NULL OR until > $2)', [eventId, new Date(nowMs)])
  return new Map(rows.map((r) => [r.user_id, { kind: r.kind, untilMs: r.until === null ? null : ms(r.until) }]))
}

/**
 * Times a user out until `untilMs` (replacing an earlier timeout); false when the user is banned,
 * which a timeout must not shorten.
 */
export async function putTimeout(q: Sql, r: { eventId: string; userId: string; untilMs: number; reason: string; by: string; nowMs: number }): Promise<boolean> {
  const rows = await q.query(
    `INSERT INTO chat_restrictions (event_id, user_id, kind, until, reason, created_by, created_at) VALUES ($1, $2, 'timeout', $3, $4, $5, $6)
     ON CONFLICT (event_id, user_id) DO UPDATE SET until = EXCLUDED.until, reason = EXCLUDED.reason, created_by = EXCLUDED.created_by, created_at = EXCLUDED.created_at
       WHERE chat_restrictions.kind = 'timeout'
     RETURNING user_id`,
    [r.eventId, r.userId, new Date(r.untilMs), r.reason, r.by, new Date(r.nowMs)],
  )
  return rows.length === 1
}

/** Bans a user (replacing a timeout); false when already banned. */
export async function putBan(q: Sql, r: { eventId: string; userId: string; reason: string; by: string; nowMs: number }): Promise<boolean> {
  const rows = await q.query(
    `INSERT INTO chat_restrictions (event_id, user_id, kind, until, reason, created_by, created_at) VALUES ($1, $2, 'ban', NULL, $3, $4, $5)
     ON CONFLICT (event_id, user_id) DO UPDATE SET kind = 'ban', until = NULL, reason = EXCLUDED.reason, created_by = EXCLUDED.created_by, created_at = EXCLUDED.created_at
       WHERE chat_restrictions.kind = 'timeout'
     RETURNING user_id`,
    [r.eventId, r.userId, r.reason, r.by, new Date(r.nowMs)],
  )
  return rows.length === 1
}

/** Lifts a ban or a timeout still in force; false when there was none. */
export async function liftRestriction(q: Sql, eventId: string, userId: string, nowMs: number): Promise<boolean> {
  const rows = await q.query('DELETE FROM chat_restrictions WHERE event_id = $1 AND user_id = $2 AND (until IS NULL OR until > $3) RETURNING user_id', [eventId, userId, new Date(nowMs)])
  // An expired timeout row is dead weight either way.
  if (rows.length === 0) await q.query('DELETE FROM chat_restrictions WHERE event_id = $1 AND user_id = $2', [eventId, userId])
  return rows.length === 1
}
