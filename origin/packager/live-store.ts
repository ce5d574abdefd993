/**
 * The packaging side's {@link FragmentSink}: per event and angle, one {@link RenditionPackager} per
 * rendition, angle labels, and listeners the HTTP adapter uses to wake held requests. No I/O; the clock
 * is injected.
 */
import type { FragmentSink, RenditionSpec, StreamTarget } from '../contract.ts'
import { advancePartLimit, type BlockingState } from './blocking.ts'
import type { PackagerConfig } from './config.ts'
import { type RenditionReport, renderMediaPlaylist } from './media-playlist.ts'
import { renderMultivariant } from './multivariant.ts'
import { PLAYLIST_NAME, streamIdFor } from './names.ts'
import { type PackagerError, type Part, RenditionPackager } from './rendition.ts'

/** One rendition of an angle. */
export interface RenditionEntry {
  spec: RenditionSpec
  packager: RenditionPackager
}

/** One camera angle of an event. */
export interface AngleState {
  event: string
  angle: string
  label: string
  live: boolean
  /** Stream id in media file names, set at the first `begin`. */
  stream: string
  renditions: Map<string, RenditionEntry>
  /** When the angle's stream ended (undefined while live or never begun); released `endedRetentionSec` later. */
  endedAtMs?: number
}

/** What the store holds, for bounds and `/metrics`. */
export interface StoreUsage {
  angles: number
  renditions: number
  /** Media bytes held (parts, segments, init sections). */
  bytes: number
}

/** An entry of `angles.json`. */
export interface AngleSummary {
  id: string
  label: string
  live: boolean
}

/** Events the adapter listens to. */
export interface StoreListener {
  /** A part landed (waiters of this rendition's playlist and of this part may wake). */
  part?(angle: AngleState, rendition: string, part: Part): void
  /** The angle ended (held requests can be answered with ENDLIST / 404 for hints). */
  end?(angle: AngleState): void
  /** Input was refused; the stream goes on. */
  error?(target: StreamTarget, rendition: string | undefined, error: PackagerError): void
  /**
   * An ended angle is about to be dropped (its retention ran out); its packagers are still intact
   * during the call. Seam for the replay hand-off; the HTTP adapter drops its cached playlists.
   */
  release?(angle: AngleState): void
}

/** The live store: a FragmentSink plus what the HTTP adapter reads. */
export interface LiveStore extends FragmentSink {
  readonly config: PackagerConfig
  angle(event: string, angle: string): AngleState | undefined
  listAngles(event: string): AngleSummary[]
  /** Sets an angle's label (creates the angle entry if needed, not live). */
  setAngleLabel(event: string, angle: string, label: string): void
  /** Adds a listener; returns its remover. */
  listen(listener: StoreListener): () => void
  /** Releases every angle ended `endedRetentionSec` or more before `nowMs`; returns how many. */
  sweep(nowMs: number): number
  usage(): StoreUsage
}

const MAX_LABEL_CHARS = 120

const key = (event: string, angle: string): string => `${event}\u0000${angle}`

/** Blocking-decision view of a rendition at this instant. */
export function blockingState(r: RenditionPackager): BlockingState {
  return {
    ended: r.ended,
    nextMsn: r.open !== null && r.open.parts.length > 0 ? r.open.msn : r.nextMsn,
    openParts: r.open?.parts.length ?? 0,
    partCount: (msn) => r.partCount(msn),
    expectedPartsPerSegment: r.expectedPartsPerSegment,
    advancePartLimit: advancePartLimit(r.partTargetSec),
  }
}

/** EXT-X-RENDITION-REPORT entries for every sibling of `rendition` that has a part. */
export function renditionReports(a: AngleState, rendition: string): RenditionReport[] {
  const out: RenditionReport[] = []
  for (const [name, e] of a.renditions) {
    const edge = e.packager.edge
    if (name !== rendition && edge !== null) out.push({ uri: `../${name}/${PLAYLIST_NAME}`, edge })
  }
  return out
}

/** Renders a rendition's media playlist with its sibling reports. */
export function mediaPlaylist(a: AngleState, rendition: string, skip: boolean): string | undefined {
  const e = a.renditions.get(rendition)
  if (e === undefined) return undefined
  return renderMediaPlaylist(e.packager, { stream: a.stream, skip, reports: renditionReports(a, rendition) })
}

/** Renders an angle's multivariant playlist; null until an init section arrived. */
export function multivariantPlaylist(a: AngleState): string | null {
  return renderMultivariant([...a.renditions.values()])
}

/** Creates the store. Time comes only from the `nowMs`/`wallClockMs` arguments of the sink calls. */
export function createLiveStore(config: PackagerConfig): LiveStore {
  const angles = new Map<string, AngleState>()
  const listeners = new Set<StoreListener>()

  const emitError = (t: StreamTarget, rendition: string | undefined, error: PackagerError): void => {
    for (const l of listeners) l.error?.(t, rendition, error)
  }
  const sweep = (nowMs: number): number => {
    let released = 0
    for (const [k, a] of angles) {
      if (a.endedAtMs === undefined || nowMs - a.endedAtMs < config.endedRetentionSec * 1000) continue
      for (const l of listeners) l.release?.(a)
      angles.delete(k)
      released++
    }
    return released
  }
  const entry = (t: StreamTarget, rendition: string): { a: AngleState; e: RenditionEntry } | undefined => {
    const a = angles.get(key(t.event, t.angle))
    const e = a?.renditions.get(rendition)
    if (a === undefined || e === undefined) {
      emitError(t, rendition, { code: 'NO_INIT', message: `no rendition ${rendition} began on ${t.event}/${t.angle}` })
      return undefined
    }
    return { a, e }
  }
  const ensureAngle = (event: string, angle: string): AngleState => {
    let a = angles.get(key(event, angle))
    if (a === undefined) {
      a = { event, angle, label: angle, live: false, stream: '', renditions: new Map() }
      angles.set(key(event, angle), a)
    }
    return a
  }

  return {
    config,
    begin(t, renditions, nowMs) {
      // Callers without a sweep timer stay bounded too: every begin and end sweeps.
      sweep(nowMs)
      const a = ensureAngle(t.event, t.angle)
      delete a.endedAtMs
      if (a.stream === '') a.stream = streamIdFor(nowMs)
      const next = new Map<string, RenditionEntry>()
      for (const spec of renditions) {
        const prev = a.renditions.get(spec.name)
        if (prev !== undefined) {
          // Same numbering goes on after a discontinuity, so immutable URIs never repeat.
          if (prev.packager.ended) prev.packager.resume()
          next.set(spec.name, { spec, packager: prev.packager })
        } else {
          next.set(spec.name, { spec, packager: new RenditionPackager(spec.name, config, spec.fps) })
        }
      }
      a.renditions = next
      a.live = true
    },
    init(t, rendition, bytes) {
      const found = entry(t, rendition)
      if (found === undefined) return
      const r = found.e.packager.setInit(bytes)
      if (!r.ok) emitError(t, rendition, r.error)
    },
    fragment(t, rendition, bytes, wallClockMs) {
      const found = entry(t, rendition)
      if (found === undefined) return
      const r = found.e.packager.addFragment(bytes, wallClockMs)
      if (!r.ok) {
        emitError(t, rendition, r.error)
        return
      }
      for (const l of listeners) l.part?.(found.a, rendition, r.part)
    },
    discontinuity(t) {
      const a = angles.get(key(t.event, t.angle))
      for (const e of a?.renditions.values() ?? []) e.packager.markDiscontinuity()
    },
    end(t, nowMs) {
      sweep(nowMs)
      const a = angles.get(key(t.event, t.angle))
      if (a === undefined) return
      for (const e of a.renditions.values()) e.packager.end()
      a.live = false
      a.endedAtMs = nowMs
      for (const l of listeners) l.end?.(a)
    },
    angle: (event, angle) => angles.get(key(event, angle)),
    listAngles(event) {
      const out: AngleSummary[] = []
      for (const a of angles.values()) if (a.event === event) out.push({ id: a.angle, label: a.label, live: a.live })
      return out.sort((x, y) => x.id.localeCompare(y.id))
    },
    setAngleLabel(event, angle, label) {
      ensureAngle(event, angle).label = label.slice(0, MAX_LABEL_CHARS)
    },
    listen(l) {
      listeners.add(l)
      return () => listeners.delete(l)
    },
    sweep,
    usage() {
      const u: StoreUsage = { angles: angles.size, renditions: 0, bytes: 0 }
      for (const a of angles.values()) {
        u.renditions += a.renditions.size
        for (const e of a.renditions.values()) u.bytes += e.packager.heldBytes
      }
      return u
    },
  }
}
