// Realtime tokens (`?token=`): HS256 JWTs for clients without the session cookie — claims sub, event, role, exp.
import { createHmac } from 'node:crypto'
import { SignJWT, jwtVerify, errors } from 'jose'
import type { EngagementConfig } from '../config.ts'

/** The role a token grants; the gateway re-checks `moderator` against the event's roles at connect. */
export type TokenRole = 'viewer' | 'moderator'

/** What a valid token says. */
export interface RealtimeClaims {
  sub: string
  event: string
  role: TokenRole
  /** Expiry, seconds since the epoch. */
  exp: number
}

/** Why a token was refused. */
export type TokenRefusal = 'TOKEN_INVALID' | 'TOKEN_EXPIRED' | 'TOKEN_WRONG_EVENT'

const AUDIENCE = 'swarmstage-realtime'

/** The signing key: the configured secret, else one derived from `dataSecret` (shared by every instance anyway). */
export function realtimeTokenKey(config: Pick<EngagementConfig, 'realtimeTokenSecret' | 'dataSecret'>): Uint8Array {
  if (config.realtimeTokenSecret !== '') return new TextEncoder().encode(config.realtimeTokenSecret)
  return createHmac('sha256', config.dataSecret).update('swarmstage realtime token v1').digest()
}

/** Signs a token valid from `nowSec` for `ttlSec`. */
export async function signRealtimeToken(key: Uint8Array, claims: { sub: string; event: string; role: TokenRole; nowSec: number; ttlSec: number }): Promise<string> {
  return new SignJWT({ event: claims.event, role: claims.role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setAudience(AUDIENCE)
    .setIssuedAt(claims.nowSec)
    .setExpirationTime(claims.nowSec + claims.ttlSec)
    .sign(key)
}

/** Verifies a token for `eventId` at `nowSec` (HS256 only, audience checked, no clock tolerance). */
export async function verifyRealtimeToken(key: Uint8Array, token: string, eventId: string, nowSec: number): Promise<{ ok: true; claims: RealtimeClaims } | { ok: false; code: TokenRefusal }> {
  if (token.length === 0 || token.length > 2048) return { ok: false, code: 'TOKEN_INVALID' }
  try {
    const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], audience: AUDIENCE, currentDate: new Date(nowSec * 1000), requiredClaims: ['sub', 'exp'] })
    const { sub, event, role, exp } = payload as { sub?: unknown; event?: unknown; role?: unknown; exp?: unknown }
    if (typeof sub !== 'string' || typeof event !== 'string' || (role !== 'viewer' && role !== 'moderator') || typeof exp !== 'number') return { ok: false, code: 'TOKEN_INVALID' }
    if (event !== eventId) return { ok: false, code: 'TOKEN_WRONG_EVENT' }
    return { ok: true, claims: { sub, event, role, exp } }
  } catch (err) {
    return { ok: false, code: err instanceof errors.JWTExpired ? 'TOKEN_EXPIRED' : 'TOKEN_INVALID' }
  }
}
