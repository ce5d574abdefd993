import type { Queryable } from '../platform/db.ts'

/** One audit entry: who did what to which target, when, from where, and how it ended. */
export interface AuditEntry {
  id: string
  at: string
  actorId: string | null
  action: string
  eventId: string | null
  target: string
  ip: string
  result: 'ok' | 'denied' | 'failed'
  detail: string
}

interface Row {
  id: string | number
  at: Date | string
  actor_id: string | null
  action: string
  event_id: string | null
  target: string
  ip: string
  result: AuditEntry['result']
  detail: string
}

/** Appends one audit entry. */
export async function insertAudit(q: Queryable, e: Omit<AuditEntry, 'id' | 'at'> & { atMs: number }): Promise<void> {
  await q.query('INSERT INTO audit_log (at, actor_id, action, event_id, target, ip, result, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
    new Date(e.atMs).toISOString(),
    e.actorId,
    e.action,
    e.eventId,
    e.target,
    e.ip,
    e.result,
    e.detail.slice(0, 500),
  ])
}

/** Newest first; `eventIds` restricts to those events (organizers), undefined means all (admins). */
export async function listAudit(q: Queryable, opts: { eventIds?: readonly string[]; beforeId?: number; limit: number }): Promise<AuditEntry[]> {
  const rows = await q.query<Row>(
    `SELECT * FROM audit_log WHERE ($1::text[] IS NULL OR event_id = ANY($1::text[])) AND ($2::bigint IS NULL OR id < $2::bigint) ORDER BY id DESC LIMIT $3`,
    [opts.eventIds === undefined ? null : [...opts.eventIds], opts.beforeId ?? null, opts.limit],
  )
  return rows.map((r) => ({
    id: String(r.id),
    at: (r.at instanceof Date ? r.at : new Date(r.at)).toISOString(),
    actorId: r.actor_id,
    action: r.action,
    eventId: r.event_id,
    target: r.target,
    ip: r.ip,
    result: r.result,
    detail: r.detail,
  }))
}
