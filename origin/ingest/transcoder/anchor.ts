/**
 * Estimates the ingest wall clock of a transcoder's first input sample from timestamped input
 * (FLV tag timestamps for RTMP, SRT packet timestamps): the smallest `arrival − timestamp` seen
 * plus the first timestamp, so a burst or stall at the start does not skew every later
 * PROGRAM-DATE-TIME. Pure.
 */
export class WallClockAnchor {
  private firstTs: number | undefined
  private minOffset: number | undefined

  /** A media sample with media timestamp `tsMs` arrived at `nowMs`. */
  media(tsMs: number, nowMs: number): void {
    this.firstTs ??= tsMs
    const off = nowMs - tsMs
    if (this.minOffset === undefined || off < this.minOffset) this.minOffset = off
  }

  /** Wall clock (ms) of the first input sample, once known. */
  get(): number | undefined {
    return this.firstTs !== undefined && this.minOffset !== undefined ? this.minOffset + this.firstTs : undefined
  }
}

/** Timestamp (ms) of an FLV audio/video tag, or undefined for anything else. */
export function flvTagTimestamp(tag: Uint8Array): number | undefined {
  if (tag.length < 11 || (tag[0] !== 8 && tag[0] !== 9)) return undefined
  return (((tag[7] as number) << 24) | ((tag[4] as number) << 16) | ((tag[5] as number) << 8) | (tag[6] as number)) >>> 0
}
