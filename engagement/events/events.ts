import type { Queryable } from '../platform/db.ts'
import type { EventStatus, EventView } from '../../common/wire/events.ts'

/** Lifecycle of an event (common/wire/events.ts). */
export type { EventStatus }
/** An event as the API shows it (common/wire/events.ts). */
export type EventInfo = EventView

interface EventRow {
  id: string
  title: string
  description: string
  starts_at: Date | string | null
  free: boolean
  status: EventStatus
  created_at: Date | string
}

const iso = (d: Date | string): string => (d instanceof Date ? d : new Date(d)).toISOString()
const toEvent = (r: EventRow): EventInfo => ({
  id: r.id,
  title: r.title,
  description: r.description,
  startsAt: r.starts_at === null ? null : iso(r.starts_at),
  free: r.free,
  status: r.status,
  createdAt: iso(r.created_at),
})

/** Inserts an event; false when the id is taken. */
export async function insertEvent(
  q: Queryable,
  e: { id: string; title: string; description: string; startsAt: string | null; free: boolean; createdBy: string },
): Promise<boolean> {
  const rows = await q.query(
    'INSERT INTO events (id, title, description, starts_at, free, created_by) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING RETURNING id',
    [e.id, e.title, e.description, e.startsAt, e.free, e.createdBy],
  )
  return rows.length === 1
}

/** One event, or null. */
export async function eventById(q: Queryable, id: string): Promise<EventInfo | null> {
  const rows = await q.query<EventRow>('SELECT * FROM events WHERE id = $1', [id])
  return rows[0] === undefined ? null : toEvent(rows[0])
}

/** Events, newest first, optionally by status. */
export async function listEvents(q: Queryable, opts: { status?: EventStatus; limit: number }): Promise<EventInfo[]> {
  const rows =
    opts.status === undefined
      ? await q.query<EventRow>('SELECT * FROM events ORDER BY created_at DESC, id LIMIT $1', [opts.limit])
      : await q.query<EventRow>('SELECT * FROM events WHERE status = $1 ORDER BY created_at DESC, id LIMIT $2', [opts.status, opts.limit])
  return rows.map(toEvent)
}

/** Moves an event to `status`; returns the updated event or null when absent. */
export async function setEventStatus(q: Queryable, id: string, status: EventStatus): Promise<EventInfo | null> {
  const rows = await q.query<EventRow>('UPDATE events SET status = $2 WHERE id = $1 RETURNING *', [id, status])
  return rows[0] === undefined ? null : toEvent(rows[0])
}
