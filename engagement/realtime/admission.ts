// Who is connecting: the event from the path, then a `?token=` or the session cookie (Origin-checked), else a read-only guest.
import { REALTIME_PATH_PREFIX, type ConnectionRole } from '../../common/wire/realtime.ts'
import { addressGroup, clientAddress } from '../../common/client-address.ts'
import type { EngagementConfig } from '../config.ts'
import type { Db } from '../platform/db.ts'
import type { LoginSessions } from '../accounts/login-sessions.ts'
import { decide, hasEventRole, type EventRole } from '../accounts/access.ts'
import { eventRoles, userById } from '../accounts/users.ts'
import { eventById } from '../events/events.ts'
import { Compile } from 'typebox/compile'
import { EventId } from '../platform/schemas.ts'
import { verifyRealtimeToken } from './token.ts'

/** What the transports copy out of an upgrade request before anything asynchronous happens. */
export interface UpgradeRequest {
  /** Path without the query. */
  path: string
  /** Raw query string without `?`. */
  query: string
  /** `Origin` header ('' when absent). */
  origin: string
  /** `Host` header. */
  host: string
  /** `Cookie` header ('' when absent). */
  cookie: string
  /** Socket peer address. */
  remoteIp: string
  /** `X-Forwarded-For` lines joined ('' when none or no trusted proxies). */
  forwardedFor: string
}

/** What a connection was admitted with, kept to re-check moderators (never sent anywhere). */
export type Credential = { kind: 'session'; sessionId: string } | { kind: 'token' } | { kind: 'none' }

/** An admitted connection's identity. */
export interface Identity {
  eventId: string
  userId: string | null
  role: ConnectionRole
  addressGroup: string
  credential: Credential
}

/** Outcome of {@link admitUpgrade}: the identity, or the HTTP status and typed code of the refusal. */
export type Admission = { ok: true; identity: Identity } | { ok: false; status: number; code: string; message: string }

/** What admission needs from the service. */
export interface AdmissionDeps {
  config: EngagementConfig
  db: Db
  loginSessions: LoginSessions
  now: () => number
  tokenKey: Uint8Array
  trusted: (ip: string) => boolean
}

const eventIdCheck = Compile(EventId)
const MODERATING: readonly EventRole[] = ['creator', 'organizer', 'moderator']

/** HTTP status lines of the refusals. */
export const STATUS_TEXT: Record<number, string> = { 400: '400 Bad Request', 401: '401 Unauthorized', 403: '403 Forbidden', 404: '404 Not Found', 500: '500 Internal Server Error', 503: '503 Service Unavailable' }

function cookieValue(header: string, name: string): string {
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return ''
}

function queryParam(query: string, name: string): string | null {
  for (const part of query.split('&')) {
    const eq = part.indexOf('=')
    const key = eq < 0 ? part : part.slice(0, eq)
    if (key !== name) continue
    try {
      return decodeURIComponent(eq < 0 ? '' : part.slice(eq + 1))
    } catch {
      return ''
    }
  }
  return null
}

/** Host name of a `Host` header or an origin URL, lower-case, without port ('' when unparsable). */
function hostName(hostOrUrl: string, isUrl: boolean): string {
  try {
    return new URL(isUrl ? hostOrUrl : `http://${hostOrUrl}`).hostname.toLowerCase()
  } catch {
    return ''
  }
}

/**
 * Cross-site WebSocket hijacking guard for cookie-authenticated upgrades: the page's Origin must be
 * a configured one, or (none configured) on the host name the gateway was reached on. A request
 * without Origin is not a browser's, so it carries no ambient-credential risk.
 */
export function originAllowed(origin: string, host: string, allowed: readonly string[]): boolean {
  if (origin === '') return true
  if (allowed.length > 0) return allowed.includes(origin.toLowerCase().replace(/\/$/, ''))
  const o = hostName(origin, true)
  return o !== '' && o === hostName(host, false)
}

/** The event id of a socket path `/v1/events/<eventId>`, or null. */
export function eventOfPath(path: string): string | null {
  if (!path.startsWith(REALTIME_PATH_PREFIX)) return null
  const id = path.slice(REALTIME_PATH_PREFIX.length)
  return eventIdCheck.Check(id) ? id : null
}

async function moderates(db: Db, userId: string, isAdmin: boolean, eventId: string): Promise<boolean> {
  return hasEventRole({ userId, isAdmin, totpEnabled: true, eventRoles: await eventRoles(db, userId), mfaAtMs: 1 }, eventId, MODERATING)
}

/**
 * Admits an upgrade. Order: path → event exists → token (when given: it alone decides) → cookie
 * (Origin first) → guest. A moderator connection needs the moderating role on the event plus what
 * the moderation routes need (2FA enrolled and proven in the session); a token's `moderator` role is
 * re-checked against the event's roles now, so a revoked moderator does not keep the view.
 */
export async function admitUpgrade(deps: AdmissionDeps, req: UpgradeRequest): Promise<Admission> {
  const eventId = eventOfPath(req.path)
  if (eventId === null) return { ok: false, status: 404, code: 'NOT_FOUND', message: `connect to ${REALTIME_PATH_PREFIX}<eventId>` }
  const group = addressGroup(clientAddress(req.remoteIp, req.forwardedFor, deps.trusted))
  const event = await eventById(deps.db, eventId)
  if (event === null) return { ok: false, status: 404, code: 'EVENT_NOT_FOUND', message: `no event ${eventId}` }
  const token = queryParam(req.query, 'token')
  if (token !== null) {
    const v = await verifyRealtimeToken(deps.tokenKey, token, eventId, Math.floor(deps.now() / 1000))
    if (!v.ok) return { ok: false, status: v.code === 'TOKEN_WRONG_EVENT' ? 403 : 401, code: v.code, message: v.code === 'TOKEN_EXPIRED' ? 'the token has expired; ask for a new one' : v.code === 'TOKEN_WRONG_EVENT' ? 'the token is for another event' : 'the token is not valid' }
    const user = await userById(deps.db, v.claims.sub)
    if (user === null) return { ok: false, status: 401, code: 'TOKEN_INVALID', message: 'the token is not valid' }
    const role: ConnectionRole = v.claims.role === 'moderator' && (await moderates(deps.db, user.id, user.isAdmin, eventId)) ? 'moderator' : 'viewer'
    return { ok: true, identity: { eventId, userId: user.id, role, addressGroup: group, credential: { kind: 'token' } } }
  }
  const sid = cookieValue(req.cookie, deps.config.cookieName)
  if (sid !== '') {
    if (!originAllowed(req.origin, req.host, deps.config.gatewayAllowedOrigins)) return { ok: false, status: 403, code: 'ORIGIN_NOT_ALLOWED', message: 'this page may not open a signed-in socket' }
    const s = await sessionRole(deps, sid, eventId)
    if (s !== null) return { ok: true, identity: { eventId, userId: s.userId, role: s.role, addressGroup: group, credential: { kind: 'session', sessionId: sid } } }
  }
  return { ok: true, identity: { eventId, userId: null, role: 'guest', addressGroup: group, credential: { kind: 'none' } } }
}

/** The user and role a session cookie gives on the event now, or null when the session is gone. */
async function sessionRole(deps: AdmissionDeps, sid: string, eventId: string): Promise<{ userId: string; role: ConnectionRole } | null> {
  const loaded = await deps.loginSessions.peek(sid)
  const user = loaded === null ? null : await userById(deps.db, loaded.record.userId)
  if (loaded === null || user === null) return null
  const principal = { userId: user.id, isAdmin: user.isAdmin, totpEnabled: user.totpEnabled, eventRoles: await eventRoles(deps.db, user.id), mfaAtMs: loaded.record.mfaAtMs }
  const d = decide(principal, { tier: 'medium', eventId, roles: MODERATING }, deps.now(), deps.config.stepUpMaxAgeSec * 1000)
  return { userId: user.id, role: d.ok ? 'moderator' : 'viewer' }
}

/**
 * True while a moderator connection may keep the moderators' view: its session still exists and
 * still passes the moderator rule, or its token's user still holds a moderating role.
 */
export async function stillModerator(deps: AdmissionDeps, who: Pick<Identity, 'eventId' | 'userId' | 'credential'>): Promise<boolean> {
  if (who.userId === null) return false
  if (who.credential.kind === 'session') {
    const s = await sessionRole(deps, who.credential.sessionId, who.eventId)
    return s !== null && s.userId === who.userId && s.role === 'moderator'
  }
  if (who.credential.kind === 'token') {
    const user = await userById(deps.db, who.userId)
    return user !== null && (await moderates(deps.db, user.id, user.isAdmin, who.eventId))
  }
  return false
}
