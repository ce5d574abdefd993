/**
 * Latency math for the player, free of I/O: glass-to-glass latency from PROGRAM-DATE-TIME and the
 * catch-up decision that holds playback near a target without hls.js's stall-driven creep.
 */

/** Glass-to-glass latency in seconds: wall clock now minus the PDT of the frame on screen. */
export function glassToGlassSec(nowMs: number, playingDateMs: number | null | undefined): number | null {
  if (playingDateMs === null || playingDateMs === undefined || !Number.isFinite(playingDateMs)) return null
  if (playingDateMs <= 0) return null
  return (nowMs - playingDateMs) / 1000
}

/** Tuning of the catch-up controller. */
export interface CatchUpTuning {
  /** Glass-to-glass target, seconds. */
  targetSec: number
  /** Start speeding up when latency exceeds target by more than this, seconds. */
  startAboveSec: number
  /** Stop speeding up when latency is within this of the target, seconds. */
  stopAboveSec: number
  /** Playback rate used to catch up (about 1.1). */
  catchUpRate: number
  /** Minimum forward buffer needed to speed up, seconds (never speed into a stall). */
  minBufferSec: number
  /** Beyond target + this, seek to the live sync point instead of speeding up, seconds. */
  seekAboveSec: number
}

/** What the controller wants the adapter to do. */
export type CatchUpAction = { kind: 'rate'; rate: number } | { kind: 'seek-live' }

/**
 * Chooses the playback rate for the current latency. Hysteresis: speeds up above
 * `target + startAboveSec`, keeps the faster rate until within `stopAboveSec` of the target.
 */
export function catchUp(latencySec: number | null, bufferAheadSec: number, currentRate: number, t: CatchUpTuning): CatchUpAction {
  if (latencySec === null || !Number.isFinite(latencySec)) return { kind: 'rate', rate: 1 }
  const over = latencySec - t.targetSec
  if (over > t.seekAboveSec) return { kind: 'seek-live' }
  if (bufferAheadSec < t.minBufferSec) return { kind: 'rate', rate: 1 }
  const speeding = currentRate > 1
  if (over > t.startAboveSec || (speeding && over > t.stopAboveSec)) return { kind: 'rate', rate: t.catchUpRate }
  return { kind: 'rate', rate: 1 }
}

/** Forward buffer at `position` given the media element's buffered ranges, seconds. */
export function bufferAhead(ranges: ReadonlyArray<readonly [number, number]>, position: number): number {
  for (const [start, end] of ranges) {
    if (position >= start - 0.1 && position <= end) return end - position
  }
  return 0
}

/** p-quantile (0..1) of a sample list, linear interpolation; null when empty. */
export function quantile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const idx = Math.min(sorted.length - 1, Math.max(0, p * (sorted.length - 1)))
  const lo = Math.floor(idx)
  const hi = Math.ceil(idx)
  const a = sorted[lo] as number
  const b = sorted[hi] as number
  return a + (b - a) * (idx - lo)
}

/**
 * How long a viewer may wait for peers before fetching a segment over HTTP itself, ms: the time
 * until the playhead reaches the segment minus `leadSec` (what an HTTP fetch and append need).
 * Zero (fetch now) when not playing yet or already late.
 */
export function httpDeadlineMs(segmentStart: number, position: number, rate: number, playing: boolean, leadSec: number): number {
  if (!playing || !Number.isFinite(segmentStart) || !Number.isFinite(position)) return 0
  const untilNeeded = (segmentStart - position) / Math.max(0.25, rate)
  return Math.max(0, Math.round((untilNeeded - leadSec) * 1000))
}
