/**
 * Blocking playlist reload as pure decisions: parse `_HLS_msn`/`_HLS_part`/`_HLS_skip`, then decide
 * from the rendition's state whether the playlist can go now, must wait for a part, or is a bad request.
 * The adapter holds waiting requests and answers 503 after {@link blockingTimeoutMs}.
 */

/** Delivery directives of one playlist request. */
export interface HlsQuery {
  msn?: number
  part?: number
  /** `_HLS_skip=YES` or `v2`. */
  skip: boolean
}

/** Why a request is refused with 400. */
export type BlockingErrorCode = 'BAD_QUERY' | 'PART_WITHOUT_MSN' | 'MSN_TOO_FAR' | 'PART_TOO_FAR'

/** Parse result of a query string. */
export type ParsedQuery = { ok: true; query: HlsQuery } | { ok: false; code: 'BAD_QUERY'; message: string }

const MAX_QUERY_CHARS = 512

/** Percent-decodes one query component; undefined for a malformed escape (`%zz`, a lone `%`, bad UTF-8). */
function decodeComponent(s: string): string | undefined {
  if (!s.includes('%')) return s
  try {
    return decodeURIComponent(s)
  } catch {
    return undefined
  }
}

/**
 * Parses the `_HLS_*` directives from a raw query string (no leading `?`); other keys are ignored.
 * Keys and values are percent-decoded first (so `%5FHLS_msn` is `_HLS_msn`); a malformed escape
 * anywhere, or a directive given twice, is a BAD_QUERY.
 */
export function parseHlsQuery(raw: string): ParsedQuery {
  if (raw.length > MAX_QUERY_CHARS) return { ok: false, code: 'BAD_QUERY', message: 'query too long' }
  const q: HlsQuery = { skip: false }
  const seen = new Set<string>()
  for (const pair of raw.split('&')) {
    if (pair === '') continue
    const eq = pair.indexOf('=')
    const key = decodeComponent(eq < 0 ? pair : pair.slice(0, eq))
    const value = decodeComponent(eq < 0 ? '' : pair.slice(eq + 1))
    if (key === undefined || value === undefined) return { ok: false, code: 'BAD_QUERY', message: 'malformed percent escape' }
    if (key.startsWith('_HLS_')) {
      if (seen.has(key)) return { ok: false, code: 'BAD_QUERY', message: `${key} given twice` }
      seen.add(key)
    }
    if (key === '_HLS_msn' || key === '_HLS_part') {
      if (!/^\d{1,15}$/.test(value)) return { ok: false, code: 'BAD_QUERY', message: `${key} must be a non-negative integer` }
      if (key === '_HLS_msn') q.msn = Number(value)
      else q.part = Number(value)
    } else if (key === '_HLS_skip') {
      if (value !== 'YES' && value !== 'v2') return { ok: false, code: 'BAD_QUERY', message: '_HLS_skip must be YES or v2' }
      q.skip = true
    }
  }
  return { ok: true, query: q }
}

/** What a blocking decision needs to know about a rendition at one instant. */
export interface BlockingState {
  ended: boolean
  /** MSN of the segment gaining parts (or that the next part will open). */
  nextMsn: number
  /** Parts already in segment `nextMsn`. */
  openParts: number
  /** Parts of a complete segment, or undefined when no longer known (assume it exists). */
  partCount(msn: number): number | undefined
  /** Parts a segment usually holds, for counting how far ahead a request is. */
  expectedPartsPerSegment: number
  /** Advance Part Limit in parts. */
  advancePartLimit: number
}

/** Outcome: answer now, hold until another part lands, or 400. */
export type BlockingDecision = { kind: 'ready' } | { kind: 'wait' } | { kind: 'bad'; code: BlockingErrorCode }

/** RFC 8216bis Advance Part Limit: 3 parts, or 3 ÷ PART-TARGET (rounded up) when PART-TARGET is under 1 s. */
export function advancePartLimit(partTargetSec: number): number {
  return partTargetSec < 1 ? Math.ceil(3 / partTargetSec - 1e-9) : 3
}

/** How long a blocking request may be held before 503: 3 target durations. */
export function blockingTimeoutMs(targetDurationSec: number): number {
  return 3 * targetDurationSec * 1000
}

/** Decides a playlist request against the rendition's state. */
export function decideBlocking(s: BlockingState, q: Pick<HlsQuery, 'msn' | 'part'>): BlockingDecision {
  if (s.ended) return { kind: 'ready' }
  if (q.msn === undefined) return q.part === undefined ? { kind: 'ready' } : { kind: 'bad', code: 'PART_WITHOUT_MSN' }
  const lastMsn = s.openParts > 0 ? s.nextMsn : s.nextMsn - 1
  if (q.msn > lastMsn + 2) return { kind: 'bad', code: 'MSN_TOO_FAR' }
  if (q.part === undefined) return q.msn < s.nextMsn ? { kind: 'ready' } : { kind: 'wait' }
  let msn = q.msn
  let part = q.part
  // A part index past a complete segment's last part names part 0 of the next segment.
  while (msn < s.nextMsn) {
    const count = s.partCount(msn)
    if (count === undefined || part < count) return { kind: 'ready' }
    msn += 1
    part = 0
  }
  if (msn === s.nextMsn && part < s.openParts) return { kind: 'ready' }
  const per = s.expectedPartsPerSegment
  const ahead = msn === s.nextMsn ? part - (s.openParts - 1) : Math.max(0, per - s.openParts) + (msn - s.nextMsn - 1) * per + part + 1
  if (ahead > s.advancePartLimit) return { kind: 'bad', code: 'PART_TOO_FAR' }
  return { kind: 'wait' }
}
