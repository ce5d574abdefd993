/**
 * Contract between the origin's ingest side (RTMP/SRT, keys, ffmpeg) and its packaging side
 * (LL-HLS core and HTTP). Both sides code against these types; `origin/server.ts` wires them.
 */
import type { KeyRefusal } from '../common/wire/keys.ts'

/** One rung of the ABR ladder. */
export interface RenditionSpec {
  /** Stable name used in URLs, e.g. `720p`. */
  name: string
  width: number
  height: number
  /** H.264 video bitrate in kbit/s. */
  videoBitrateKbps: number
  /** AAC audio bitrate in kbit/s. */
  audioBitrateKbps: number
  /** Frames per second (the GOP is `fps × segment duration` frames). */
  fps: number
}

/** Which event and camera angle a stream key publishes to. */
export interface StreamTarget {
  event: string
  angle: string
}

/**
 * Why a key was refused at connect: the engagement service's refusals (common/wire/keys.ts), plus
 * `KEY_STORE_UNAVAILABLE`: the key store could not decide (it
 * rejected, timed out, or answered with an error or garbage); the publisher may retry later.
 */
export type PublishRefusal = KeyRefusal | 'KEY_STORE_UNAVAILABLE'

/** Result of checking a stream key, before any transcoding starts. */
export type KeyDecision = { ok: true; target: StreamTarget; label?: string } | { ok: false; reason: PublishRefusal }

/**
 * Where stream keys come from: configuration plus memory, and the engagement service.
 * `authorize` must not throw for a bad key; it answers `{ ok: false }`. A store that cannot decide
 * answers `KEY_STORE_UNAVAILABLE` (callers also treat a rejected promise that way).
 */
export interface KeyStore {
  authorize(streamKey: string): Promise<KeyDecision>
}

/**
 * What the ingest side feeds into packaging, per angle. Calls for one angle arrive in this order:
 * `begin`, then per rendition `init` once followed by `fragment`s; after a publisher drop that is
 * resumed within the grace period, `discontinuity` and fresh `init`s; finally `end`.
 */
export interface FragmentSink {
  /** A publisher went live on this angle with this ladder. */
  begin(target: StreamTarget, renditions: readonly RenditionSpec[], nowMs: number): void
  /** The fMP4 initialization section (`ftyp` + `moov`) for one rendition. */
  init(target: StreamTarget, rendition: string, bytes: Uint8Array): void
  /**
   * One CMAF fragment (`moof` + `mdat`, possibly several such pairs) for one rendition.
   * `wallClockMs` is the ingest wall clock at which the fragment's first sample was received,
   * used for PROGRAM-DATE-TIME.
   */
  fragment(target: StreamTarget, rendition: string, bytes: Uint8Array, wallClockMs: number): void
  /** The publisher came back within the grace period: the next fragments follow a discontinuity. */
  discontinuity(target: StreamTarget, nowMs: number): void
  /** The stream is over (grace period expired, or ended by the operator): add ENDLIST. */
  end(target: StreamTarget, nowMs: number): void
}
