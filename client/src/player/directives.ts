/**
 * LL-HLS delivery-directive helpers for complete-segment playback, pure.
 *
 * hls.js without lowLatencyMode asks `_HLS_msn=N&_HLS_part=<last part of N>`, but an origin that closes
 * a segment on the next keyframe part lists N's EXTINF one part later, so the segment would be seen a
 * reload later. Asking for part 0 of N+1 returns exactly when N is complete.
 * Also, hls.js keys a level's details by the response URL, directives included, which makes
 * p2p-media-loader miss every blocking update; the directives are removed from that URL.
 */

const HLS_PARAMS = ['_HLS_msn', '_HLS_part', '_HLS_skip']

/** `url` without `_HLS_*` query parameters (other parameters and the fragment kept). */
export function stripDirectives(url: string): string {
  const q = url.indexOf('?')
  if (q === -1) return url
  const hash = url.indexOf('#', q)
  const query = url.slice(q + 1, hash === -1 ? undefined : hash)
  const kept = query.split('&').filter((kv) => kv !== '' && !HLS_PARAMS.includes(kv.split('=')[0] ?? ''))
  return url.slice(0, q) + (kept.length ? `?${kept.join('&')}` : '') + (hash === -1 ? '' : url.slice(hash))
}

/** Rewrites `_HLS_msn=N&_HLS_part=P` to `_HLS_msn=N+1&_HLS_part=0`; other URLs are returned unchanged. */
export function waitForCompleteSegment(url: string): string {
  const q = url.indexOf('?')
  if (q === -1) return url
  const params = url.slice(q + 1).split('&')
  const msnAt = params.findIndex((p) => p.startsWith('_HLS_msn='))
  const partAt = params.findIndex((p) => p.startsWith('_HLS_part='))
  if (msnAt === -1 || partAt === -1) return url
  const msn = Number((params[msnAt] ?? '').slice('_HLS_msn='.length))
  if (!Number.isSafeInteger(msn) || msn < 0) return url
  params[msnAt] = `_HLS_msn=${msn + 1}`
  params[partAt] = '_HLS_part=0'
  return `${url.slice(0, q)}?${params.join('&')}`
}
