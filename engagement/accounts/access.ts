// Access tiers (pure): roles, the principal, and which requests a principal may make at which sensitivity.
import type { EventRole } from '../../common/wire/accounts.ts'

/** Roles; organizer, creator, moderator and advertiser are held per event, admin globally. */
export type Role = 'viewer' | 'creator' | 'organizer' | 'moderator' | 'advertiser' | 'admin'
/** Roles that are granted per event (common/wire/accounts.ts). */
export type { EventRole }

/** Who is asking, as far as access decisions care. */
export interface Principal {
  userId: string
  isAdmin: boolean
  totpEnabled: boolean
  eventRoles: readonly { eventId: string; role: EventRole }[]
  /** When this session last proved a second factor (ms since epoch), 0 if never. */
  mfaAtMs: number
}

/** What an action needs. */
export type Requirement =
  | { tier: 'low' }
  | { tier: 'account' }
  | { tier: 'medium' | 'high'; eventId: string; roles: readonly EventRole[] }

/** Machine-readable refusal codes. */
export type AccessError = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'TOTP_ENROLLMENT_REQUIRED' | 'STEP_UP_REQUIRED'

/** Outcome of {@link decide}. */
export type AccessDecision = { ok: true } | { ok: false; status: 401 | 403; error: AccessError }

/** True when the principal holds one of `roles` on the event (admins hold every role). */
export function hasEventRole(p: Principal, eventId: string, roles: readonly EventRole[]): boolean {
  return p.isAdmin || p.eventRoles.some((r) => r.eventId === eventId && roles.includes(r.role))
}

/**
 * The sensitivity-tier rules. Low is public; account needs a session; medium needs the role on that
 * event, 2FA enrolled and a session that proved it; high also needs a second factor within `stepUpMaxAgeMs`.
 */
export function decide(p: Principal | null, req: Requirement, nowMs: number, stepUpMaxAgeMs: number): AccessDecision {
  if (req.tier === 'low') return { ok: true }
  if (p === null) return { ok: false, status: 401, error: 'UNAUTHENTICATED' }
  if (req.tier === 'account') return { ok: true }
  if (!hasEventRole(p, req.eventId, req.roles)) return { ok: false, status: 403, error: 'FORBIDDEN' }
  if (!p.totpEnabled) return { ok: false, status: 403, error: 'TOTP_ENROLLMENT_REQUIRED' }
  if (p.mfaAtMs <= 0) return { ok: false, status: 401, error: 'STEP_UP_REQUIRED' }
  if (req.tier === 'high' && nowMs - p.mfaAtMs > stepUpMaxAgeMs) return { ok: false, status: 401, error: 'STEP_UP_REQUIRED' }
  return { ok: true }
}
