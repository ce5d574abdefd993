/**
 * Where the viewer finds the origin, the trackers and ICE servers: `GET /api/client-config` from the
 * engagement service, else query parameters, else defaults next to the page's host (so the built app
 * also works from a plain static server in tests).
 */

import type { ClientConfig } from '../../common/wire/client-config.ts'
import { isName } from '../../common/wire/names.ts'

/** Delivery endpoints for the viewer: the `clientConfig` answer (common/wire/client-config.ts). */
export type { ClientConfig }

const MAX_TRACKERS = 8
const MAX_ICE = 8

function isUrl(v: unknown, protocols: string[]): v is string {
  if (typeof v !== 'string' || v.length > 2048) return false
  try {
    return protocols.includes(new URL(v).protocol)
  } catch {
    return false
  }
}

function iceServer(v: unknown): RTCIceServer | null {
  if (typeof v !== 'object' || v === null) return null
  const o = v as Record<string, unknown>
  const urls = typeof o.urls === 'string' ? [o.urls] : Array.isArray(o.urls) ? o.urls.filter((u): u is string => typeof u === 'string') : []
  if (urls.length === 0) return null
  const out: RTCIceServer = { urls }
  if (typeof o.username === 'string') out.username = o.username
  if (typeof o.credential === 'string') out.credential = o.credential
  return out
}

/** Validates a list of ICE servers (bad entries dropped, at most 8). */
export function parseIceServers(v: unknown): RTCIceServer[] {
  return Array.isArray(v) ? v.map(iceServer).filter((x): x is RTCIceServer => x !== null).slice(0, MAX_ICE) : []
}

/** Defaults for a page served from `location` (origin on :8081, tracker on :8000 of the same host). */
export function defaultConfig(location: { hostname: string; protocol: string }): ClientConfig {
  const secure = location.protocol === 'https:'
  return {
    originBaseUrl: `${secure ? 'https' : 'http'}://${location.hostname}:8081`,
    trackerUrls: [`${secure ? 'wss' : 'ws'}://${location.hostname}:8000`],
    iceServers: [],
  }
}

/**
 * Merges, in order of precedence: query parameters (`origin`, `tracker` repeated, `ice` repeated),
 * the server's JSON (validated; bad fields ignored), then defaults.
 */
export function resolveConfig(server: unknown, query: URLSearchParams, fallback: ClientConfig): ClientConfig {
  const out: ClientConfig = { ...fallback }
  if (typeof server === 'object' && server !== null) {
    const s = server as Record<string, unknown>
    if (isUrl(s.originBaseUrl, ['http:', 'https:'])) out.originBaseUrl = s.originBaseUrl
    if (Array.isArray(s.trackerUrls)) {
      const t = s.trackerUrls.filter((u) => isUrl(u, ['ws:', 'wss:'])).slice(0, MAX_TRACKERS)
      if (t.length > 0) out.trackerUrls = t
    }
    if (Array.isArray(s.iceServers)) out.iceServers = parseIceServers(s.iceServers)
  }
  const origin = query.get('origin')
  if (isUrl(origin, ['http:', 'https:'])) out.originBaseUrl = origin
  const trackers = query.getAll('tracker').filter((u) => isUrl(u, ['ws:', 'wss:'])).slice(0, MAX_TRACKERS)
  if (trackers.length > 0) out.trackerUrls = trackers
  const ice = query.getAll('ice').filter((u) => /^(stun|turn|turns):/.test(u)).slice(0, MAX_ICE)
  if (ice.length > 0) out.iceServers = ice.map((urls) => ({ urls }))
  out.originBaseUrl = out.originBaseUrl.replace(/\/+$/, '')
  return out
}

/** Fetches `/api/client-config` (2 s timeout) and resolves the config for this page. */
export async function loadClientConfig(fetchFn: typeof fetch = fetch, loc: Location = window.location): Promise<ClientConfig> {
  let server: unknown = null
  try {
    const res = await fetchFn('/api/client-config', { signal: AbortSignal.timeout(2000), headers: { accept: 'application/json' } })
    if (res.ok && (res.headers.get('content-type') ?? '').includes('json')) server = await res.json()
  } catch {
    // No engagement service (static hosting, tests): fall back to query and defaults.
  }
  return resolveConfig(server, new URLSearchParams(loc.search), defaultConfig(loc))
}

/** URLs of an event's angle list and an angle's master playlist. */
export function eventUrls(originBaseUrl: string, event: string): { angles: string; master: (angle: string) => string } {
  const e = encodeURIComponent(event)
  return {
    angles: `${originBaseUrl}/live/${e}/angles.json`,
    master: (angle: string) => `${originBaseUrl}/live/${e}/${encodeURIComponent(angle)}/master.m3u8`,
  }
}

/** One camera angle as the origin lists it. */
export interface Angle {
  id: string
  label: string
  live: boolean
}

/** Validates the origin's `angles.json`, a list or `{ angles: [...] }` (bad entries dropped, at most 32). */
export function parseAngles(raw: unknown): Angle[] {
  const body = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as { angles?: unknown }).angles : raw
  if (!Array.isArray(body)) return []
  const out: Angle[] = []
  for (const a of body) {
    if (typeof a !== 'object' || a === null) continue
    const o = a as Record<string, unknown>
    if (typeof o.id !== 'string' || !isName(o.id)) continue
    const label = typeof o.label === 'string' && o.label.trim() !== '' ? o.label.slice(0, 80) : o.id
    out.push({ id: o.id, label, live: o.live !== false })
    if (out.length >= 32) break
  }
  return out
}
