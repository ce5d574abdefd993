/**
 * Renders a rendition's LL-HLS media playlist (EXT-X-VERSION 9): server control, parts of the last
 * few target durations, one preload hint, rendition reports, delta updates via EXT-X-SKIP.
 */
import { initName, partName, segmentName } from './names.ts'
import type { EdgePosition, RenditionPackager, Segment } from './rendition.ts'

/** One sibling rendition's newest part, for EXT-X-RENDITION-REPORT. */
export interface RenditionReport {
  /** URI relative to this playlist, e.g. `../360p/index.m3u8`. */
  uri: string
  edge: EdgePosition
}

/** How to render. */
export interface RenderOptions {
  /** Stream id used in media file names. */
  stream: string
  /** `_HLS_skip=YES|v2`: replace old segments with EXT-X-SKIP. */
  skip: boolean
  reports: readonly RenditionReport[]
}

/** Server-control figures derived from the rendition's targets. */
export interface ServerControl {
  targetDurationSec: number
  partTargetSec: number
  partHoldBackSec: number
  holdBackSec: number
  canSkipUntilSec: number
}

/** HOLD-BACK 3× target duration, PART-HOLD-BACK 3× PART-TARGET (Apple's MUST), CAN-SKIP-UNTIL 6× target duration. */
export function serverControl(r: RenditionPackager): ServerControl {
  const td = r.targetDurationSec
  const pt = r.partTargetSec
  return { targetDurationSec: td, partTargetSec: pt, partHoldBackSec: 3 * pt, holdBackSec: 3 * td, canSkipUntilSec: 6 * td }
}

/** Decimal seconds without float noise (`0.333333`, `1`). */
export function secs(x: number, digits = 5): string {
  return String(Number(x.toFixed(digits)))
}

function segmentHeader(lines: string[], seg: Segment, prevInit: number | undefined, stream: string, forceMap: boolean): void {
  if (seg.discontinuity) lines.push('#EXT-X-DISCONTINUITY')
  if (forceMap || seg.initId !== prevInit) lines.push(`#EXT-X-MAP:URI="${initName(stream, seg.initId)}"`)
  lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(seg.pdtMs).toISOString()}`)
}

function partLines(lines: string[], seg: Segment, stream: string): void {
  for (const p of seg.parts) {
    lines.push(`#EXT-X-PART:DURATION=${secs(p.durationSec)},URI="${partName(stream, p.seq)}"${p.independent ? ',INDEPENDENT=YES' : ''}`)
  }
}

/** How many listed segments a delta update may replace with EXT-X-SKIP (those ending ≥ CAN-SKIP-UNTIL before the edge). */
export function skippableSegments(r: RenditionPackager): number {
  const until = serverControl(r).canSkipUntilSec
  let n = 0
  for (const s of r.listed) {
    if (r.edgeSec - (s.startSec + s.durationSec) < until) break
    n++
  }
  return n
}

/** Renders the media playlist text (deterministic for the same state and options). */
export function renderMediaPlaylist(r: RenditionPackager, opts: RenderOptions): string {
  const sc = serverControl(r)
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:9',
    `#EXT-X-TARGETDURATION:${sc.targetDurationSec}`,
    `#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=${secs(sc.canSkipUntilSec)},PART-HOLD-BACK=${secs(sc.partHoldBackSec, 3)},HOLD-BACK=${secs(sc.holdBackSec)}`,
    `#EXT-X-PART-INF:PART-TARGET=${secs(sc.partTargetSec)}`,
  ]
  const first = r.listed[0] ?? r.open
  lines.push(`#EXT-X-MEDIA-SEQUENCE:${first?.msn ?? r.nextMsn}`)
  lines.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${r.discontinuitySequence}`)
  const skipped = opts.skip ? skippableSegments(r) : 0
  if (skipped > 0) lines.push(`#EXT-X-SKIP:SKIPPED-SEGMENTS=${skipped}`)
  let prevInit: number | undefined
  let forceMap = true
  for (const seg of r.listed.slice(skipped)) {
    segmentHeader(lines, seg, prevInit, opts.stream, forceMap)
    forceMap = false
    prevInit = seg.initId
    if (r.listsParts(seg)) partLines(lines, seg, opts.stream)
    lines.push(`#EXTINF:${secs(seg.durationSec)},`, segmentName(opts.stream, seg.msn))
  }
  const open = r.open
  if (open !== null && open.parts.length > 0) {
    segmentHeader(lines, open, prevInit, opts.stream, forceMap)
    partLines(lines, open, opts.stream)
  }
  if (r.ended) {
    lines.push('#EXT-X-ENDLIST')
  } else {
    if (r.currentInit !== undefined) lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${partName(opts.stream, r.nextPartSeq)}"`)
    for (const rep of opts.reports) {
      lines.push(`#EXT-X-RENDITION-REPORT:URI="${rep.uri}",LAST-MSN=${rep.edge.msn},LAST-PART=${rep.edge.part}`)
    }
  }
  return lines.join('\n') + '\n'
}
