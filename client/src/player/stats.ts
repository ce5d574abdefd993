/**
 * Per-viewer QoE accounting, free of I/O: bytes by source, stalls and stall time. The player adapter
 * feeds it events with timestamps; `snapshot` is what `window.swarmstage.stats()` returns.
 */

/** What `window.swarmstage.stats()` returns. */
export interface ViewerStats {
  /** Media bytes fetched from the origin over HTTP (segments, parts, init sections). */
  httpBytes: number
  /** Media bytes received from peers. */
  p2pBytes: number
  /** Media bytes sent to peers. */
  p2pUploadedBytes: number
  /** Glass-to-glass latency from PROGRAM-DATE-TIME against the wall clock, seconds (null before playback). */
  latencySec: number | null
  /** Number of rebuffering stalls after playback started. */
  stalls: number
  /** Total time spent stalled, seconds (including a stall in progress). */
  stallSec: number
  /** Current hls.js level index (-1 when unknown). */
  level: number
  /** Connected peers in the current swarm. */
  peers: number
  /** Camera angle being played. */
  angle: string
}

/** Where bytes came from. */
export type ByteSource = 'http' | 'p2p' | 'upload'

/** Accumulates bytes and stalls; `now` values are milliseconds on any monotonic clock. */
export class QoeAccumulator {
  #http = 0
  #p2p = 0
  #up = 0
  #stalls = 0
  #stallMs = 0
  #stallStart: number | null = null
  #started = false

  /** Counts bytes; non-finite or negative values are ignored. */
  addBytes(source: ByteSource, bytes: number): void {
    if (!Number.isFinite(bytes) || bytes <= 0) return
    if (source === 'http') this.#http += bytes
    else if (source === 'p2p') this.#p2p += bytes
    else this.#up += bytes
  }

  /** The media element started or resumed playing. */
  playing(now: number): void {
    this.#started = true
    if (this.#stallStart !== null) {
      this.#stallMs += Math.max(0, now - this.#stallStart)
      this.#stallStart = null
    }
  }

  /** The media element ran out of data. Ignored before first playback and while seeking. */
  waiting(now: number, seeking: boolean): void {
    if (!this.#started || seeking || this.#stallStart !== null) return
    this.#stalls++
    this.#stallStart = now
  }

  /** A new source begins (angle or mode switch): an open stall is closed, startup is not a stall. */
  restart(now: number): void {
    this.playing(now)
    this.#started = false
  }

  /** P2P share of received media bytes, 0..1 (0 when nothing was received). */
  p2pShare(): number {
    const total = this.#http + this.#p2p
    return total === 0 ? 0 : this.#p2p / total
  }

  /** Current figures; live fields come from the caller. */
  snapshot(now: number, live: { latencySec: number | null; level: number; peers: number; angle: string }): ViewerStats {
    const open = this.#stallStart === null ? 0 : Math.max(0, now - this.#stallStart)
    return {
      httpBytes: this.#http,
      p2pBytes: this.#p2p,
      p2pUploadedBytes: this.#up,
      latencySec: live.latencySec,
      stalls: this.#stalls,
      stallSec: (this.#stallMs + open) / 1000,
      level: live.level,
      peers: live.peers,
      angle: live.angle,
    }
  }
}
