/**
 * Response headers of the LL-HLS routes: caching (immutable media, short-lived playlists, blocking
 * responses cacheable per `_HLS_*` query), CORS, and `Date`/`Last-Modified` for Age-based edge finding.
 */
import { type Headers, httpDate } from './respond.ts'

/** Parts, segments and init sections never change under their URI (names carry the stream id). */
export const IMMUTABLE = 'public, max-age=31536000, immutable'

/** HLS content types. */
export const M3U8 = 'application/vnd.apple.mpegurl'
export const MP4 = 'video/mp4'
export const JSON_TYPE = 'application/json'

/** CORS headers for GET responses; `Age` is exposed so hls.js can read it cross-origin. */
export function corsHeaders(origin: string): [string, string][] {
  return [
    ['Access-Control-Allow-Origin', origin],
    ['Access-Control-Expose-Headers', 'Age, Date, Last-Modified, Content-Length, Content-Encoding'],
  ]
}

/** Preflight answer headers. */
export function preflightHeaders(origin: string): Headers {
  return [
    ['Access-Control-Allow-Origin', origin],
    ['Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS'],
    ['Access-Control-Allow-Headers', 'Range, Content-Type, Accept-Encoding'],
    ['Access-Control-Max-Age', '86400'],
  ]
}

/**
 * Cache-Control of a media playlist. Plain reloads live 1 s (MediaPackage practice). A blocking
 * response for a given `_HLS_msn`/`_HLS_part` stays correct for anyone asking the same query (it
 * contains that part), so caches keyed on the full URL may keep it for the blocking window.
 */
export function mediaPlaylistCacheControl(blocking: boolean, targetDurationSec: number): string {
  return blocking ? `public, max-age=${3 * targetDurationSec}` : 'public, max-age=1'
}

/** Multivariant playlist: about half a segment, at least one second. */
export function multivariantCacheControl(segmentTargetMs: number): string {
  return `public, max-age=${Math.max(1, Math.round(segmentTargetMs / 2000))}`
}

/** Errors and timeouts must not be cached. */
export const NO_STORE = 'no-store'

/** Common headers: type, caching, Last-Modified, CORS. uWS adds `Date` itself. */
export function baseHeaders(contentType: string, cacheControl: string, lastModifiedMs: number | undefined, origin: string): [string, string][] {
  const h: [string, string][] = [
    ['Content-Type', contentType],
    ['Cache-Control', cacheControl],
  ]
  if (lastModifiedMs !== undefined) h.push(['Last-Modified', httpDate(lastModifiedMs)])
  h.push(...corsHeaders(origin))
  return h
}
