import type { Queryable } from '../platform/db.ts'
import type { StreamKeyView } from '../../common/wire/keys.ts'

/** Row fields needed to reveal or authorize, beyond what the console lists (common/wire/keys.ts). */
export interface StreamKeyRow extends StreamKeyView {
  keySealed: string
  eventStatus: string
}

interface Row {
  id: string
  event_id: string
  angle: string
  label: string
  key_sealed: string
  key_last4: string
  created_at: Date | string
  revoked_at: Date | string | null
  status: string
}

const iso = (d: Date | string): string => (d instanceof Date ? d : new Date(d)).toISOString()

/** `live_••••••••wxyz`: enough to tell keys apart, useless to publish with. */
export function maskKey(last4: string): string {
  return `live_${'•'.repeat(8)}${last4}`
}

const toRow = (r: Row): StreamKeyRow => ({
  id: r.id,
  eventId: r.event_id,
  angle: r.angle,
  label: r.label,
  masked: maskKey(r.key_last4),
  createdAt: iso(r.created_at),
  revokedAt: r.revoked_at === null ? null : iso(r.revoked_at),
  keySealed: r.key_sealed,
  eventStatus: r.status,
})

const SELECT = 'SELECT k.*, e.status FROM stream_keys k JOIN events e ON e.id = k.event_id'

/** Revokes the angle's active key (rotation) and inserts a new one. */
export async function replaceStreamKey(
  q: Queryable,
  k: { id: string; eventId: string; angle: string; label: string; keyHash: string; keySealed: string; last4: string; createdBy: string },
): Promise<string[]> {
  const revoked = await q.query<{ id: string }>('UPDATE stream_keys SET revoked_at = now() WHERE event_id = $1 AND angle = $2 AND revoked_at IS NULL RETURNING id', [k.eventId, k.angle])
  await q.query('INSERT INTO stream_keys (id, event_id, angle, label, key_hash, key_sealed, key_last4, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
    k.id,
    k.eventId,
    k.angle,
    k.label,
    k.keyHash,
    k.keySealed,
    k.last4,
    k.createdBy,
  ])
  return revoked.map((r) => r.id)
}

/** All keys of an event, active and revoked. */
export async function streamKeysOfEvent(q: Queryable, eventId: string): Promise<StreamKeyRow[]> {
  return (await q.query<Row>(`${SELECT} WHERE k.event_id = $1 ORDER BY k.angle, k.created_at DESC`, [eventId])).map(toRow)
}

/** One key of an event, or null. */
export async function streamKeyById(q: Queryable, eventId: string, id: string): Promise<StreamKeyRow | null> {
  const r = (await q.query<Row>(`${SELECT} WHERE k.event_id = $1 AND k.id = $2`, [eventId, id]))[0]
  return r === undefined ? null : toRow(r)
}

/** The key with this SHA-256, with its event status (ingest authorization). */
export async function streamKeyByHash(q: Queryable, keyHash: string): Promise<StreamKeyRow | null> {
  const r = (await q.query<Row>(`${SELECT} WHERE k.key_hash = $1`, [keyHash]))[0]
  return r === undefined ? null : toRow(r)
}

/** Revokes a key; false when absent or already revoked. */
export async function revokeStreamKey(q: Queryable, eventId: string, id: string): Promise<boolean> {
  const rows = await q.query('UPDATE stream_keys SET revoked_at = now() WHERE event_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING id', [eventId, id])
  return rows.length === 1
}

/** Strips the sealed key before a row leaves the service. */
export function publicKey(r: StreamKeyRow): StreamKeyView {
  return { id: r.id, eventId: r.eventId, angle: r.angle, label: r.label, masked: r.masked, createdAt: r.createdAt, revokedAt: r.revokedAt }
}
