// Playback sessions: pure placement inputs (tracker instances, locality) and the tracker admission token.
import { SignJWT } from 'jose'
import { ipLocality } from '../../tracker/admission.ts'
import { placeViewer, type Placement, type TrackerInstance } from '../../tracker/placement.ts'
import type { EngagementConfig } from '../config.ts'
import { originBaseUrl, trackerUrls, type RequestBase } from '../meta/public-urls.ts'

/** The settings of {@link EngagementConfig} that placement reads. */
export type PlacementConfig = Pick<
  EngagementConfig,
  'trackerInstances' | 'publicTrackerUrls' | 'publicOriginUrl' | 'cellsPerLocality' | 'trackerJwtSecret' | 'trackerTokenTtlSec' | 'localityPrefixV4' | 'localityPrefixV6'
>

/**
 * Tracker instances to place on: configured, else one per public tracker URL (id = URL), else the
 * request's host on :8000 (id `default`), derived as `/api/client-config` derives its tracker URLs.
 */
export function trackerInstancesFor(config: Pick<PlacementConfig, 'trackerInstances' | 'publicTrackerUrls' | 'publicOriginUrl'>, base: RequestBase): TrackerInstance[] {
  if (config.trackerInstances.length > 0) return config.trackerInstances.map((i) => ({ id: i.id, url: i.url, ...(i.weight !== undefined ? { weight: i.weight } : {}) }))
  if (config.publicTrackerUrls.length > 0) return config.publicTrackerUrls.map((url) => ({ id: url, url }))
  return trackerUrls(config, base).map((url) => ({ id: 'default', url }))
}

/** Characters a locality may carry into a cell name and swarm id. */
const EDGE_VALUE = /^[A-Za-z0-9_.:-]{1,64}$/

/**
 * The viewer's locality: the trusted edge header's value (`h:<value>`, only when `edgeHeader` came
 * through a trusted proxy and is well-formed), else the network prefix of the client address, in the
 * tracker's own notation (`v4:7f000000/16`).
 */
export function localityFor(clientIp: string, edgeHeader: string | undefined, config: Pick<PlacementConfig, 'localityPrefixV4' | 'localityPrefixV6'>): string {
  const edge = edgeHeader?.trim() ?? ''
  if (EDGE_VALUE.test(edge)) return `h:${edge}`
  return ipLocality(clientIp, config.localityPrefixV4, config.localityPrefixV6)
}

/** Claims of a tracker admission token (the contract `tracker/admission.ts` verifies). */
export interface TrackerTokenClaims {
  event: string
  sub: string
  iat: number
  exp: number
}

/** Signs a tracker admission token (HS256) valid from `nowSec` for `ttlSec`. */
export async function signTrackerToken(secret: string, claims: { event: string; sub: string; nowSec: number; ttlSec: number }): Promise<string> {
  return new SignJWT({ event: claims.event })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt(claims.nowSec)
    .setExpirationTime(claims.nowSec + claims.ttlSec)
    .sign(new TextEncoder().encode(secret))
}

/** What `createPlaybackSession` answers. */
export interface PlaybackSession {
  playbackSessionId: string
  originBaseUrl: string
  /** Announce URL with the event namespace and, when tokens are issued, `?token=`. */
  trackerUrl: string
  swarmId: string
  cell: string
  /** The admission token alone ('' when the service issues none). */
  trackerToken: string
  /** When the token expires (ISO time). */
  expiresAt: string
  iceServers: EngagementConfig['iceServers']
}

/** Everything one session is made of. */
export interface PlaybackSessionInput {
  eventId: string
  playbackSessionId: string
  viewerKey: string
  locality: string
  base: RequestBase
  nowMs: number
}

/** Places the viewer and issues its token. Throws `PlacementError` for bad input or no instances. */
export async function buildPlaybackSession(config: PlacementConfig & Pick<EngagementConfig, 'iceServers'>, input: PlaybackSessionInput): Promise<PlaybackSession> {
  const placement: Placement = placeViewer({
    eventId: input.eventId,
    locality: input.locality,
    viewerKey: input.viewerKey,
    cellsPerLocality: config.cellsPerLocality,
    instances: trackerInstancesFor(config, input.base),
  })
  const nowSec = Math.floor(input.nowMs / 1000)
  const token = config.trackerJwtSecret === '' ? '' : await signTrackerToken(config.trackerJwtSecret, { event: input.eventId, sub: input.viewerKey, nowSec, ttlSec: config.trackerTokenTtlSec })
  return {
    playbackSessionId: input.playbackSessionId,
    originBaseUrl: originBaseUrl(config, input.base).replace(/\/+$/, ''),
    trackerUrl: token === '' ? placement.trackerUrl : `${placement.trackerUrl}?token=${token}`,
    swarmId: placement.swarmId,
    cell: placement.cell,
    trackerToken: token,
    expiresAt: new Date((nowSec + config.trackerTokenTtlSec) * 1000).toISOString(),
    iceServers: config.iceServers,
  }
}
