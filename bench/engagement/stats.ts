// Pure bookkeeping of the engagement bench: delay histograms, percentiles, vote waves and their thresholds, catch-up after a storm.

/** A delay histogram with 1 ms buckets, cheap to merge across load processes and to ship over IPC. */
export class Histogram {
  private readonly buckets = new Map<number, number>()
  private n = 0
  private maxMs = 0

  /** Adds one delay; negative delays (clock jitter between processes) count as 0. */
  add(ms: number): void {
    const b = Math.max(0, Math.round(ms))
    this.buckets.set(b, (this.buckets.get(b) ?? 0) + 1)
    this.n++
    if (b > this.maxMs) this.maxMs = b
  }

  /** Samples added. */
  get count(): number {
    return this.n
  }

  /** Largest sample, ms. */
  get max(): number {
    return this.maxMs
  }

  /** Adds every sample of `other`. */
  merge(other: Histogram | HistogramData): void {
    const pairs = other instanceof Histogram ? other.toJSON() : other
    for (const [b, c] of pairs) {
      this.buckets.set(b, (this.buckets.get(b) ?? 0) + c)
      this.n += c
      if (b > this.maxMs) this.maxMs = b
    }
  }

  /** The nearest-rank `p`-th percentile (0 < p ≤ 100), ms; null when empty. */
  percentile(p: number): number | null {
    if (this.n === 0) return null
    const rank = Math.max(1, Math.ceil((p / 100) * this.n))
    let seen = 0
    for (const b of [...this.buckets.keys()].sort((x, y) => x - y)) {
      seen += this.buckets.get(b) ?? 0
      if (seen >= rank) return b
    }
    return this.maxMs
  }

  /** `[bucketMs, count]` pairs (what goes over IPC). */
  toJSON(): HistogramData {
    return [...this.buckets.entries()]
  }

  /** Rebuilds a histogram shipped with {@link toJSON}. */
  static from(data: HistogramData): Histogram {
    const h = new Histogram()
    h.merge(data)
    return h
  }
}

/** A histogram over IPC. */
export type HistogramData = [number, number][]

/** Percentiles of a delay distribution plus the samples that never arrived (censored). */
export interface DelaySummary {
  samples: number
  /** Expected arrivals that had not happened when the phase ended. */
  missing: number
  p50Ms: number | null
  p95Ms: number | null
  p99Ms: number | null
  maxMs: number | null
}

/**
 * Percentiles over arrived samples, with every missing one counted as slower than all of them: a
 * p99 is only reported when at most 1 % of the expected arrivals are missing (else null).
 */
export function summarize(h: Histogram, missing: number): DelaySummary {
  const total = h.count + missing
  const at = (p: number): number | null => {
    if (total === 0) return null
    const rank = Math.ceil((p / 100) * total)
    return rank > h.count ? null : h.percentile((rank / h.count) * 100)
  }
  return { samples: total, missing, p50Ms: at(50), p95Ms: at(95), p99Ms: at(99), maxMs: missing > 0 ? null : h.count > 0 ? h.max : null }
}

/** One wave of votes: accounts `[from, to)` of the phase's voter range, sent `atMs` after the phase starts. */
export interface Wave {
  index: number
  atMs: number
  from: number
  to: number
}

/**
 * Waves of a rate phase: `ratePerSec` votes per second for `seconds`, one wave every `waveMs`, by
 * consecutive accounts starting at `firstVoter`. Fractional votes per wave carry over so the total is exact.
 */
export function planWaves(ratePerSec: number, seconds: number, waveMs: number, firstVoter: number): Wave[] {
  const count = Math.max(1, Math.round((seconds * 1000) / waveMs))
  const total = Math.round(ratePerSec * seconds)
  const waves: Wave[] = []
  let at = firstVoter
  for (let i = 0; i < count; i++) {
    const to = firstVoter + Math.round((total * (i + 1)) / count)
    waves.push({ index: i, atMs: i * waveMs, from: at, to })
    at = to
  }
  return waves.filter((w) => w.to > w.from).map((w, i) => ({ ...w, index: i }))
}

/** Cumulative totals a subscriber must see for each wave: `base` (votes before the phase) plus every vote up to it. */
export function waveThresholds(base: number, waves: readonly Wave[]): number[] {
  let sum = base
  return waves.map((w) => (sum += w.to - w.from))
}

/** Load process of global connection `g` when `loaders` processes hold the connections round-robin. */
export const loaderOf = (g: number, loaders: number): number => g % loaders

/** Global connection indices a load process holds (round-robin), in order. */
export function connectionsOf(loader: number, loaders: number, total: number): number[] {
  const out: number[] = []
  for (let g = loader; g < total; g += loaders) out.push(g)
  return out
}

/**
 * Per connection: when its displayed total first reached each wave's threshold. Totals only grow
 * (tick snapshots of one poll), so a pointer walks the thresholds once.
 */
export class WaveArrivals {
  readonly at: Float64Array
  private next = 0

  constructor(private readonly thresholds: readonly number[]) {
    this.at = new Float64Array(thresholds.length).fill(Number.NaN)
  }

  /** True once every threshold has been reached. */
  get complete(): boolean {
    return this.next >= this.thresholds.length
  }

  /** A count `total` was shown at `nowMs`. */
  seen(total: number, nowMs: number): void {
    while (this.next < this.thresholds.length && total >= (this.thresholds[this.next] ?? Infinity)) this.at[this.next++] = nowMs
  }
}

/** Adds each wave's vote-to-screen delay (arrival − the wave's first send) to `h`; returns how many waves never arrived. */
export function addWaveDelays(h: Histogram, arrivals: Float64Array, sendAtMs: readonly number[]): number {
  let missing = 0
  for (let k = 0; k < arrivals.length; k++) {
    const a = arrivals[k] ?? Number.NaN
    const s = sendAtMs[k]
    if (s === undefined || Number.isNaN(s)) continue // a wave nobody sent (no voter of it was connected)
    if (Number.isNaN(a)) missing++
    else h.add(a - s)
  }
  return missing
}

/** What one subscriber saw of the ordered items of a reconnect storm. */
export interface StormView {
  /** Arrival time of each item, NaN when it never came. */
  at: Float64Array
  /** Items that came more than once. */
  duplicates: number
  /** Ordered frames whose seq was not above the previous one. */
  outOfOrder: number
}

/** Merged outcome of a storm over many subscribers. */
export interface StormTotals {
  /** Latest arrival of any item over all subscribers (the moment all had caught up), ms; NaN if none. */
  lastArrivalMs: number
  missed: number
  duplicates: number
  outOfOrder: number
}

/** Folds one subscriber's view into the totals. */
export function addStormView(t: StormTotals, v: StormView): StormTotals {
  let last = t.lastArrivalMs
  let missed = t.missed
  for (const a of v.at) {
    if (Number.isNaN(a)) missed++
    else if (Number.isNaN(last) || a > last) last = a
  }
  return { lastArrivalMs: last, missed, duplicates: t.duplicates + v.duplicates, outOfOrder: t.outOfOrder + v.outOfOrder }
}

/** Empty storm totals. */
export const NO_STORM: StormTotals = { lastArrivalMs: Number.NaN, missed: 0, duplicates: 0, outOfOrder: 0 }

/** Rounds to `digits` decimals (JSON figures). */
export const round = (x: number, digits = 2): number => Number(x.toFixed(digits))

/** `a / b` rounded, or null when either is missing or b is 0. */
export function ratio(a: number | null | undefined, b: number | null | undefined, digits = 3): number | null {
  return typeof a === 'number' && typeof b === 'number' && b > 0 ? round(a / b, digits) : null
}
