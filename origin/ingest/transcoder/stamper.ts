/**
 * Stamps fragments with the ingest wall clock: the first fragment of a rendition maps to the
 * moment the transcoder received its first input; later ones advance by media time. Pure.
 */
import { parseFragment, parseInit, type InitInfo } from '../../packager/mp4-boxes.ts'

/** Per-rendition media-time → wall-clock mapping. */
export class FragmentStamper {
  private init: InitInfo | undefined
  private base: { mediaSec: number } | undefined

  /** Remembers the track timescales; returns false for an unusable init section. */
  setInit(bytes: Uint8Array): boolean {
    const r = parseInit(bytes)
    this.init = r.ok ? r.value : undefined
    this.base = undefined
    return r.ok
  }

  /**
   * Wall clock (ms) of the fragment's first sample. `anchorMs` is when the first input reached
   * the transcoder; `nowMs` caps the result (a sample cannot be stamped after it was emitted).
   */
  stamp(bytes: Uint8Array, anchorMs: number, nowMs: number): number {
    if (this.init === undefined) return nowMs
    const f = parseFragment(bytes, this.init)
    if (!f.ok) return nowMs
    const track = this.init.tracks.find((t) => t.kind === 'video') ?? this.init.tracks[0]
    const run = f.value.runs.find((r) => r.trackId === track?.trackId)
    if (run === undefined || track === undefined) return nowMs
    const mediaSec = run.baseDecodeTime / track.timescale
    this.base ??= { mediaSec }
    return Math.min(nowMs, Math.round(anchorMs + (mediaSec - this.base.mediaSec) * 1000))
  }
}
