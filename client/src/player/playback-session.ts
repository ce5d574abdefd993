// Playback sessions from the engagement service (createPlaybackSession): validated, cached per angle, turned into peer settings.
import { parseIceServers } from '../client-config.ts'
import type { PeerSettings } from './delivery-config.ts'

/** What `POST /api/events/<event>/playback-sessions` answers (the fields the player uses). */
export interface PlaybackSession {
  playbackSessionId: string
  originBaseUrl: string
  /** The only announce URL: `ws(s)://tracker/e/<event>?token=<JWT>`. */
  trackerUrl: string
  /** The core `swarmId` of this viewer's cell. */
  swarmId: string
  cell: string
  /** When the token expires (ms since epoch). */
  expiresAtMs: number
  iceServers: RTCIceServer[]
}

const str = (v: unknown, max: number): v is string => typeof v === 'string' && v.length > 0 && v.length <= max

function hasProtocol(v: string, protocols: string[]): boolean {
  try {
    return protocols.includes(new URL(v).protocol)
  } catch {
    return false
  }
}

/** Validates the server's answer; null when anything the player needs is missing or malformed. */
export function parsePlaybackSession(raw: unknown): PlaybackSession | null {
  if (typeof raw !== 'object' || raw === null) return null
  const o = raw as Record<string, unknown>
  if (!str(o.playbackSessionId, 128) || !str(o.swarmId, 256) || !str(o.cell, 256)) return null
  if (!str(o.trackerUrl, 4096) || !hasProtocol(o.trackerUrl, ['ws:', 'wss:'])) return null
  if (!str(o.originBaseUrl, 2048) || !hasProtocol(o.originBaseUrl, ['http:', 'https:'])) return null
  const expiresAtMs = typeof o.expiresAt === 'string' ? Date.parse(o.expiresAt) : NaN
  if (!Number.isFinite(expiresAtMs)) return null
  return {
    playbackSessionId: o.playbackSessionId,
    originBaseUrl: o.originBaseUrl.replace(/\/+$/, ''),
    trackerUrl: o.trackerUrl,
    swarmId: o.swarmId,
    cell: o.cell,
    expiresAtMs,
    iceServers: parseIceServers(o.iceServers),
  }
}

/** Asks the engagement service for a playback session; null when it cannot (static hosting, refusal, timeout). */
export async function fetchPlaybackSession(event: string, fetchFn: typeof fetch = fetch, timeoutMs = 3000): Promise<PlaybackSession | null> {
  try {
    const res = await fetchFn(`/api/events/${encodeURIComponent(event)}/playback-sessions`, {
      method: 'POST',
      credentials: 'same-origin',
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: 'application/json' },
    })
    if (!res.ok || !(res.headers.get('content-type') ?? '').includes('json')) return null
    return parsePlaybackSession(await res.json())
  } catch {
    return null
  }
}

/**
 * The core swarm id of one angle in a cell. p2p-media-loader derives one swarm per variant from it, but
 * angles share a ladder, so without the angle two cameras' renditions would share a swarm.
 */
export function angleSwarmId(cellSwarmId: string, angle: string): string {
  return `${cellSwarmId}|${angle}`
}

/** Peer settings of a session for one angle: its tracker URL as the only announce URL, its swarm id. */
export function peersFromSession(session: PlaybackSession, angle: string): PeerSettings {
  return { trackerUrls: [session.trackerUrl], iceServers: session.iceServers, swarmId: angleSwarmId(session.swarmId, angle) }
}

/** A token this close to expiry is not reused for a new engine. */
const REUSE_MARGIN_MS = 5 * 60_000

/**
 * The player's placement source: a fresh session for each new angle (a new engine announces with a
 * fresh token); the same angle again (a retry, a latency-mode switch) reuses the last session while its
 * token has time left, so retries do not run into the per-network rate limit. Null means "use the
 * static client config".
 */
export function sessionPlacement(
  event: string,
  opts: { fetchSession?: (event: string) => Promise<PlaybackSession | null>; now?: () => number } = {},
): (angle: string) => Promise<PeerSettings | null> {
  const fetchSession = opts.fetchSession ?? ((e: string) => fetchPlaybackSession(e))
  const now = opts.now ?? Date.now
  let last: { angle: string; session: PlaybackSession } | null = null
  return async (angle) => {
    if (last !== null && last.angle === angle && last.session.expiresAtMs - now() > REUSE_MARGIN_MS) return peersFromSession(last.session, angle)
    const session = await fetchSession(event)
    last = session === null ? null : { angle, session }
    return session === null ? null : peersFromSession(session, angle)
  }
}
