// Pure reaction counting: per-instance tallies taken as deltas, merged by addition, read back in tick-numbered windows.

/** Reactions per emoji. */
export type Counts = Record<string, number>

/** Adds `b` into a copy of `a` (zero and negative amounts are dropped). */
export function mergeCounts(a: Readonly<Counts>, b: Readonly<Counts>): Counts {
  const out: Counts = { ...a }
  for (const [k, v] of Object.entries(b)) if (v > 0) out[k] = (out[k] ?? 0) + v
  return out
}

/** Sum of all counts. */
export function totalOf(c: Readonly<Counts>): number {
  return Object.values(c).reduce((s, v) => s + v, 0)
}

/**
 * One instance's reactions since the last flush, per event. `take()` hands the deltas over and
 * starts afresh, so every reaction is in exactly one flush.
 */
export class ReactionTally {
  private pending = new Map<string, Counts>()

  add(eventId: string, emoji: string, n: number): void {
    if (n <= 0) return
    const c = this.pending.get(eventId) ?? {}
    c[emoji] = (c[emoji] ?? 0) + n
    this.pending.set(eventId, c)
  }

  /** The deltas per event since the last call. */
  take(): Map<string, Counts> {
    const out = this.pending
    this.pending = new Map()
    return out
  }

  /** Gives deltas back after a failed flush, so they go out with the next one. */
  restore(deltas: ReadonlyMap<string, Counts>): void {
    for (const [eventId, c] of deltas) for (const [emoji, n] of Object.entries(c)) this.add(eventId, emoji, n)
  }
}

/** The window a flush at `nowMs` writes into. */
export function windowOf(nowMs: number, windowMs: number): number {
  return Math.floor(nowMs / windowMs)
}

/**
 * Which windows a reader should read at `nowMs`, given the last one it read (null before the
 * first read). A window is read only once every instance's flush into it has landed: its end plus
 * `settleMs`. A reader that fell behind by more than `maxCatchUp` windows skips the oldest (stale
 * bursts are not worth showing). Returns an inclusive range, or null when nothing is ready.
 */
export function windowsToRead(lastRead: number | null, nowMs: number, windowMs: number, settleMs: number, maxCatchUp: number): { from: number; to: number } | null {
  const newest = Math.floor((nowMs - settleMs) / windowMs) - 1
  const from = lastRead === null ? newest : Math.max(lastRead + 1, newest - maxCatchUp + 1)
  return from > newest ? null : { from, to: newest }
}

/** Wall-clock end of window `w` (the `at` of its `reactions` message). */
export function windowEndMs(w: number, windowMs: number): number {
  return (w + 1) * windowMs
}
