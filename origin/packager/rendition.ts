/**
 * Part and segment assembly for one rendition: each incoming CMAF fragment becomes a part, and
 * segments close on a keyframe part once they reach the segment target. Durations come from the
 * media timestamps; PROGRAM-DATE-TIME from the ingest wall clock passed with each fragment.
 * Pure state machine: no I/O, no clock of its own.
 */
import { type PackagerConfig, partTargetSec } from './config.ts'
import { type InitInfo, type Mp4Error, type TrackInfo, parseFragment, parseInit } from './mp4-boxes.ts'

/** One LL-HLS part (one fragment as ffmpeg emitted it). */
export interface Part {
  /** Rendition-wide part sequence number; part URIs use it so a hint never depends on segment boundaries. */
  seq: number
  /** Media sequence number of the segment it belongs to. */
  msn: number
  /** Index within its segment. */
  index: number
  durationSec: number
  /** Starts with a keyframe. */
  independent: boolean
  /** `moof` + `mdat` bytes; null once pruned. */
  bytes: Uint8Array | null
  /** Ingest wall clock of the part's first sample. */
  wallClockMs: number
}

/** One media segment, open (still gaining parts) or complete. */
export interface Segment {
  msn: number
  parts: Part[]
  durationSec: number
  /** Duration in the primary track's timescale (exact; `durationSec` is derived from it). */
  durationTicks: number
  timescale: number
  /** Media position of its first sample, seconds since the stream's first part (across discontinuities). */
  startSec: number
  /** Follows an EXT-X-DISCONTINUITY. */
  discontinuity: boolean
  /** Which init section (EXT-X-MAP) its parts decode with. */
  initId: number
  /** PROGRAM-DATE-TIME: ingest wall clock of its first part. */
  pdtMs: number
  /** Concatenated part bytes once complete; null while open or once pruned. */
  bytes: Uint8Array | null
}

/** An init section as served. */
export interface InitSection {
  id: number
  bytes: Uint8Array
  info: InitInfo
}

/** Why the packager refused input. */
export type PackagerErrorCode = Mp4Error['code'] | 'NO_INIT' | 'ENDED' | 'EMPTY_FRAGMENT'

/** A refused input; the stream goes on without it. */
export interface PackagerError {
  code: PackagerErrorCode
  message: string
}

/** Outcome of adding one fragment. */
export type AddFragmentResult = { ok: true; part: Part; closed: Segment | null } | { ok: false; error: PackagerError }

/** The newest part's position, as EXT-X-RENDITION-REPORT and blocking reload see it. */
export interface EdgePosition {
  msn: number
  part: number
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.byteLength === b.byteLength && a.every((v, i) => v === b[i])

/** The track whose clock defines part and segment durations: video if any, else the first. */
export function primaryTrack(init: InitInfo): TrackInfo | undefined {
  return init.tracks.find((t) => t.kind === 'video') ?? init.tracks[0]
}

/** Part/segment state of one rendition. */
export class RenditionPackager {
  /** Complete segments in the playlist window, oldest first. */
  readonly listed: Segment[] = []
  /** Segments that left the window but stay downloadable for a while. */
  readonly retired: { segment: Segment; retiredAtSec: number }[] = []
  /** The segment gaining parts, if any. */
  open: Segment | null = null
  /** EXT-X-DISCONTINUITY-SEQUENCE of the first listed segment. */
  discontinuitySequence = 0
  ended = false
  /** Sequence number the next part will get (what EXT-X-PRELOAD-HINT names). */
  nextPartSeq = 0
  /** Media sequence number the next segment will get. */
  nextMsn = 0
  private readonly inits: InitSection[] = []
  private pendingDiscontinuity = false
  private positionSec = 0
  private readonly parts = new Map<number, Part>()

  /** Media bytes this rendition holds now: downloadable parts, complete segments and init sections. */
  get heldBytes(): number {
    let n = 0
    for (const p of this.parts.values()) n += p.bytes?.byteLength ?? 0
    for (const s of this.listed) n += s.bytes?.byteLength ?? 0
    for (const r of this.retired) n += r.segment.bytes?.byteLength ?? 0
    for (const i of this.inits) n += i.bytes.byteLength
    return n
  }

  constructor(
    /** Rendition name used in URIs. */
    readonly name: string,
    readonly config: PackagerConfig,
    /** Frame rate of the rendition, when known: parts are whole frames, which PART-TARGET must cover. */
    readonly fps?: number,
  ) {}

  /** PART-TARGET in seconds. */
  get partTargetSec(): number {
    return partTargetSec(this.config, this.fps)
  }

  /** EXT-X-TARGETDURATION: the segment target rounded up, or a longer listed segment's rounded EXTINF. */
  get targetDurationSec(): number {
    let td = Math.ceil(this.config.segmentTargetMs / 1000)
    for (const s of this.listed) td = Math.max(td, Math.round(s.durationSec))
    return td
  }

  /** Parts a segment is expected to hold (used to bound how far ahead a blocking request may ask). */
  get expectedPartsPerSegment(): number {
    return Math.max(1, Math.round(this.config.segmentTargetMs / this.config.partTargetMs))
  }

  /** Current init section (the last one received). */
  get currentInit(): InitSection | undefined {
    return this.inits[this.inits.length - 1]
  }

  /** An init section still referenced by a retained segment, by id. */
  init(id: number): InitSection | undefined {
    return this.inits.find((i) => i.id === id)
  }

  /** A retained part by sequence number (bytes may be null once pruned). */
  part(seq: number): Part | undefined {
    return this.parts.get(seq)
  }

  /** A retained complete segment by media sequence number. */
  segment(msn: number): Segment | undefined {
    return this.listed.find((s) => s.msn === msn) ?? this.retired.find((r) => r.segment.msn === msn)?.segment
  }

  /** Media position of the newest part's end, seconds. */
  get edgeSec(): number {
    return this.positionSec
  }

  /** The newest part's (msn, index), or null before the first part. */
  get edge(): EdgePosition | null {
    if (this.open !== null && this.open.parts.length > 0) return { msn: this.open.msn, part: this.open.parts.length - 1 }
    const last = this.listed[this.listed.length - 1]
    return last === undefined ? null : { msn: last.msn, part: last.parts.length - 1 }
  }

  /** Parts in a complete listed segment, or undefined if `msn` is not a complete listed segment. */
  partCount(msn: number): number | undefined {
    return this.segment(msn)?.parts.length
  }

  /** Accepts an init section; a different one than before starts a discontinuity with a new EXT-X-MAP. */
  setInit(bytes: Uint8Array): { ok: true; init: InitSection } | { ok: false; error: PackagerError } {
    if (bytes.byteLength > this.config.maxFragmentBytes) return { ok: false, error: { code: 'TOO_LARGE', message: `init of ${bytes.byteLength} bytes` } }
    const cur = this.currentInit
    if (cur !== undefined && sameBytes(cur.bytes, bytes)) return { ok: true, init: cur }
    const parsed = parseInit(bytes)
    if (!parsed.ok) return parsed
    const init: InitSection = { id: cur === undefined ? 0 : cur.id + 1, bytes: bytes.slice(), info: parsed.value }
    this.inits.push(init)
    if (cur !== undefined) this.markDiscontinuity()
    return { ok: true, init }
  }

  /** The publisher came back: close the open segment; the next part starts a segment after EXT-X-DISCONTINUITY. */
  markDiscontinuity(): void {
    this.closeOpen()
    if (this.positionSec > 0) this.pendingDiscontinuity = true
  }

  /** A stream that had ended goes live again (the same numbering goes on, after a discontinuity). */
  resume(): void {
    this.ended = false
    this.markDiscontinuity()
  }

  /** The stream is over: close the open segment; the playlist gets EXT-X-ENDLIST. */
  end(): Segment | null {
    const closed = this.closeOpen()
    this.ended = true
    return closed
  }

  /** Turns one fragment into a part, closing the open segment first when this part starts a new one. */
  addFragment(bytes: Uint8Array, wallClockMs: number): AddFragmentResult {
    if (this.ended) return { ok: false, error: { code: 'ENDED', message: 'fragment after end' } }
    if (bytes.byteLength > this.config.maxFragmentBytes) return { ok: false, error: { code: 'TOO_LARGE', message: `fragment of ${bytes.byteLength} bytes` } }
    const init = this.currentInit
    if (init === undefined) return { ok: false, error: { code: 'NO_INIT', message: 'fragment before init' } }
    const parsed = parseFragment(bytes, init.info)
    if (!parsed.ok) return parsed
    const primary = primaryTrack(init.info)
    const run = parsed.value.runs.find((r) => r.trackId === primary?.trackId) ?? parsed.value.runs[0]
    if (run === undefined || primary === undefined || run.sampleCount === 0) return { ok: false, error: { code: 'EMPTY_FRAGMENT', message: 'fragment has no samples' } }
    const timescale = run.trackId === primary.trackId ? primary.timescale : (init.info.tracks.find((t) => t.trackId === run.trackId)?.timescale ?? 1)
    const durationSec = run.duration / timescale
    const independent = run.firstSampleKeyframe

    let closed: Segment | null = null
    const open = this.open
    // Tolerate a millisecond of rounding so 3 × 10 frames at 30 fps counts as a full 1 s segment.
    if (open !== null && (this.pendingDiscontinuity || (independent && open.durationSec * 1000 >= this.config.segmentTargetMs - 1))) {
      closed = this.closeOpen()
    }
    if (this.open === null) {
      this.open = {
        msn: this.nextMsn++,
        parts: [],
        durationSec: 0,
        durationTicks: 0,
        timescale,
        startSec: this.positionSec,
        discontinuity: this.pendingDiscontinuity,
        initId: init.id,
        pdtMs: wallClockMs,
        bytes: null,
      }
      this.pendingDiscontinuity = false
    }
    const seg = this.open
    const part: Part = { seq: this.nextPartSeq++, msn: seg.msn, index: seg.parts.length, durationSec, independent, bytes: bytes.slice(), wallClockMs }
    seg.parts.push(part)
    seg.durationTicks += seg.timescale === timescale ? run.duration : Math.round(durationSec * seg.timescale)
    seg.durationSec = seg.durationTicks / seg.timescale
    this.positionSec += durationSec
    this.parts.set(part.seq, part)
    this.prune()
    return { ok: true, part, closed }
  }

  /**
   * Whether EXT-X-PART lines of this segment are still listed: only while its start is within
   * `partListTargetDurations` target durations of the live edge, so no listed part is older than that.
   */
  listsParts(seg: Segment): boolean {
    return this.positionSec - seg.startSec <= this.config.partListTargetDurations * this.targetDurationSec + 1e-6
  }

  private closeOpen(): Segment | null {
    const seg = this.open
    this.open = null
    if (seg === null || seg.parts.length === 0) return null
    seg.bytes = concat(seg.parts.map((p) => p.bytes ?? new Uint8Array(0)))
    this.listed.push(seg)
    this.prune()
    return seg
  }

  private prune(): void {
    const td = this.targetDurationSec
    let total = this.listed.reduce((a, s) => a + s.durationSec, 0)
    let first = this.listed[0]
    while (first !== undefined && this.listed.length > 1 && total - first.durationSec >= this.config.windowSec) {
      this.listed.shift()
      total -= first.durationSec
      // The sequence counts discontinuity tags that are no longer in the playlist.
      if (first.discontinuity) this.discontinuitySequence++
      this.retired.push({ segment: first, retiredAtSec: this.positionSec })
      first = this.listed[0]
    }
    const keepSec = this.config.retainExtraTargetDurations * td
    while (this.retired[0] !== undefined && this.positionSec - this.retired[0].retiredAtSec > keepSec) {
      const gone = this.retired.shift()
      for (const p of gone?.segment.parts ?? []) this.parts.delete(p.seq)
    }
    // Part files stay downloadable `retainExtra` target durations after their lines leave the playlist.
    const partKeepSec = (this.config.partListTargetDurations + this.config.retainExtraTargetDurations) * td
    for (const s of this.listed) {
      if (this.positionSec - s.startSec <= partKeepSec + 1e-6) break
      for (const p of s.parts) if (this.parts.delete(p.seq)) p.bytes = null
    }
    const usedInits = new Set([...this.listed, ...this.retired.map((r) => r.segment)].map((s) => s.initId))
    if (this.open !== null) usedInits.add(this.open.initId)
    const cur = this.currentInit
    for (let i = this.inits.length - 2; i >= 0; i--) {
      const it = this.inits[i]
      if (it !== undefined && it !== cur && !usedInits.has(it.id)) this.inits.splice(i, 1)
    }
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((a, c) => a + c.byteLength, 0))
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.byteLength
  }
  return out
}
