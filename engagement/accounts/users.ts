import type { Queryable } from '../platform/db.ts'
import type { EventRole } from './access.ts'

/** A user row. */
export interface User {
  id: string
  email: string
  passwordHash: string
  isAdmin: boolean
  totpSecret: string | null
  totpEnabled: boolean
  totpLastStep: number
  /** Public name in chat and Q&A (generated `viewer-xxxx` until changed; never the email). */
  displayName: string
}

interface UserRow {
  id: string
  email: string
  password_hash: string
  is_admin: boolean
  totp_secret: string | null
  totp_enabled: boolean
  totp_last_step: string | number
  display_name: string
}

const toUser = (r: UserRow): User => ({
  id: r.id,
  email: r.email,
  passwordHash: r.password_hash,
  isAdmin: r.is_admin,
  totpSecret: r.totp_secret,
  totpEnabled: r.totp_enabled,
  totpLastStep: Number(r.totp_last_step),
  displayName: r.display_name,
})

/** Normalised form used for lookups and uniqueness. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase()
}

/** Inserts a user; false when the email is taken. */
export async function insertUser(q: Queryable, u: { id: string; email: string; passwordHash: string; isAdmin?: boolean }): Promise<boolean> {
  const rows = await q.query('INSERT INTO users (id, email, password_hash, is_admin) VALUES ($1, $2, $3, $4) ON CONFLICT (email) DO NOTHING RETURNING id', [
    u.id,
    normaliseEmail(u.email),
    u.passwordHash,
    u.isAdmin ?? false,
  ])
  return rows.length === 1
}

/** Looks a user up by (normalised) email. */
export async function userByEmail(q: Queryable, email: string): Promise<User | null> {
  const rows = await q.query<UserRow>('SELECT * FROM users WHERE email = $1', [normaliseEmail(email)])
  return rows[0] === undefined ? null : toUser(rows[0])
}

/** Looks a user up by id. */
export async function userById(q: Queryable, id: string): Promise<User | null> {
  const rows = await q.query<UserRow>('SELECT * FROM users WHERE id = $1', [id])
  return rows[0] === undefined ? null : toUser(rows[0])
}

/** Sets the public display name (uniqueness is not required). */
export async function setDisplayName(q: Queryable, id: string, displayName: string): Promise<void> {
  await q.query('UPDATE users SET display_name = $2 WHERE id = $1', [id, displayName])
}

/** Activates the pending secret and replaces the recovery codes. */
export async function enableTotp(q: Queryable, id: string, sealedSecret: string, step: number, recoveryHashes: readonly string[]): Promise<void> {
  await q.query('UPDATE users SET totp_secret = $2, totp_enabled = true, totp_last_step = $3 WHERE id = $1', [id, sealedSecret, step])
  await q.query('DELETE FROM recovery_codes WHERE user_id = $1', [id])
  for (const h of recoveryHashes) await q.query('INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)', [id, h])
}

/** Records a used TOTP step; false when that step (or a later one) was already used — a replay. */
export async function claimTotpStep(q: Queryable, id: string, step: number): Promise<boolean> {
  const rows = await q.query('UPDATE users SET totp_last_step = $2 WHERE id = $1 AND totp_last_step < $2 RETURNING id', [id, step])
  return rows.length === 1
}

/** Uses a recovery code once; false when unknown or already used. */
export async function claimRecoveryCode(q: Queryable, id: string, codeHash: string): Promise<boolean> {
  const rows = await q.query('UPDATE recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL RETURNING user_id', [id, codeHash])
  return rows.length === 1
}

/** Recovery codes not used yet. */
export async function remainingRecoveryCodes(q: Queryable, id: string): Promise<number> {
  const rows = await q.query<{ n: string | number }>('SELECT count(*) AS n FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL', [id])
  return Number(rows[0]?.n ?? 0)
}

/** The user's per-event roles. */
export async function eventRoles(q: Queryable, id: string): Promise<{ eventId: string; role: EventRole }[]> {
  const rows = await q.query<{ event_id: string; role: EventRole }>('SELECT event_id, role FROM event_roles WHERE user_id = $1 ORDER BY event_id, role', [id])
  return rows.map((r) => ({ eventId: r.event_id, role: r.role }))
}

/** Grants a per-event role (idempotent). */
export async function grantEventRole(q: Queryable, userId: string, eventId: string, role: EventRole): Promise<void> {
  await q.query('INSERT INTO event_roles (user_id, event_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [userId, eventId, role])
}

/** Who holds which role on an event, with the holder's email (organizers manage them). */
export async function rolesOfEvent(q: Queryable, eventId: string): Promise<{ userId: string; email: string; role: EventRole }[]> {
  const rows = await q.query<{ user_id: string; email: string; role: EventRole }>(
    'SELECT r.user_id, u.email, r.role FROM event_roles r JOIN users u ON u.id = r.user_id WHERE r.event_id = $1 ORDER BY r.role, u.email',
    [eventId],
  )
  return rows.map((r) => ({ userId: r.user_id, email: r.email, role: r.role }))
}

/** Outcome of {@link revokeEventRole}. */
export type RevokeRoleResult = 'ok' | 'ROLE_NOT_FOUND' | 'LAST_ORGANIZER'

/**
 * Takes a per-event role away; an event always keeps at least one organizer. Run inside a
 * transaction: the organizer rows are locked first, so two organizers revoking each other at
 * the same moment cannot both succeed.
 */
export async function revokeEventRole(q: Queryable, userId: string, eventId: string, role: EventRole): Promise<RevokeRoleResult> {
  const organizers = await q.query<{ user_id: string }>("SELECT user_id FROM event_roles WHERE event_id = $1 AND role = 'organizer' FOR UPDATE", [eventId])
  if (role === 'organizer' && organizers.length === 1 && organizers[0]?.user_id === userId) return 'LAST_ORGANIZER'
  const rows = await q.query('DELETE FROM event_roles WHERE user_id = $1 AND event_id = $2 AND role = $3 RETURNING user_id', [userId, eventId, role])
  return rows.length === 1 ? 'ok' : 'ROLE_NOT_FOUND'
}
