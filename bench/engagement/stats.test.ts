// The engagement bench's pure bookkeeping: percentiles with missing samples, wave plans and thresholds, arrivals, storm totals.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { Histogram, NO_STORM, WaveArrivals, addStormView, addWaveDelays, connectionsOf, loaderOf, planWaves, summarize, waveThresholds } from './stats.ts'

describe('Histogram and summarize', () => {
  it('nearest-rank percentiles over 1 ms buckets', () => {
    const h = new Histogram()
    for (let i = 1; i <= 100; i++) h.add(i)
    expect([h.percentile(50), h.percentile(95), h.percentile(99), h.percentile(100)]).toEqual([50, 95, 99, 100])
    expect(h.count).toBe(100)
    expect(h.max).toBe(100)
  })

  it('merges across processes as if added in one', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5000 })), fc.array(fc.integer({ min: 0, max: 5000 })), (a, b) => {
        const one = new Histogram()
        for (const x of [...a, ...b]) one.add(x)
        const left = new Histogram()
        const right = new Histogram()
        for (const x of a) left.add(x)
        for (const x of b) right.add(x)
        left.merge(Histogram.from(right.toJSON()))
        expect(left.count).toBe(one.count)
        for (const p of [50, 95, 99]) expect(left.percentile(p)).toBe(one.percentile(p))
      }),
    )
  })

  it('missing arrivals count as slower than every sample: p99 only while at most 1 % are missing', () => {
    const h = new Histogram()
    for (let i = 0; i < 99; i++) h.add(10)
    expect(summarize(h, 1)).toMatchObject({ samples: 100, missing: 1, p50Ms: 10, p99Ms: 10, maxMs: null })
    expect(summarize(h, 2)).toMatchObject({ p99Ms: null, p95Ms: 10 })
    expect(summarize(new Histogram(), 0)).toMatchObject({ samples: 0, p50Ms: null, p99Ms: null })
  })

  it('negative delays (clock jitter between processes) count as 0', () => {
    const h = new Histogram()
    h.add(-3)
    expect(h.percentile(50)).toBe(0)
  })
})

describe('vote waves', () => {
  it('plans the exact total over waves of consecutive fresh voters', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 1000 }), (rate, seconds, first) => {
        const waves = planWaves(rate, seconds, 100, first)
        expect(waves.reduce((n, w) => n + (w.to - w.from), 0)).toBe(rate * seconds)
        expect(waves[0]?.from).toBe(first)
        for (let i = 1; i < waves.length; i++) {
          expect(waves[i]?.from).toBe(waves[i - 1]?.to)
          expect(waves[i]?.index).toBe(i)
          expect((waves[i]?.atMs ?? 0) > (waves[i - 1]?.atMs ?? 0)).toBe(true)
        }
      }),
    )
  })

  it('a low rate leaves empty slots out; 2 votes over 1 s become 2 waves', () => {
    const waves = planWaves(2, 1, 100, 7)
    expect(waves.map((w) => [w.from, w.to])).toEqual([
      [7, 8],
      [8, 9],
    ])
    expect(waves.map((w) => w.index)).toEqual([0, 1])
  })

  it('thresholds are cumulative from the poll total before the phase', () => {
    expect(waveThresholds(100, planWaves(30, 1, 100, 0))).toEqual([103, 106, 109, 112, 115, 118, 121, 124, 127, 130])
  })

  it('each connection lives in exactly one load process', () => {
    const all = [0, 1, 2, 3].flatMap((l) => connectionsOf(l, 4, 21))
    expect(all.sort((a, b) => a - b)).toEqual(Array.from({ length: 21 }, (_, g) => g))
    expect(connectionsOf(2, 4, 21).every((g) => loaderOf(g, 4) === 2)).toBe(true)
  })
})

describe('arrivals', () => {
  it('a total reaching several thresholds at once stamps each of them', () => {
    const a = new WaveArrivals([2, 4, 6])
    a.seen(1, 10)
    a.seen(5, 20)
    expect([...a.at]).toEqual([20, 20, Number.NaN])
    expect(a.complete).toBe(false)
    a.seen(6, 30)
    expect([...a.at]).toEqual([20, 20, 30])
    expect(a.complete).toBe(true)
  })

  it('delays are arrival minus the wave send; unseen waves are missing, unsent ones ignored', () => {
    const h = new Histogram()
    const missing = addWaveDelays(h, Float64Array.from([150, Number.NaN, Number.NaN]), [100, 200, Number.NaN])
    expect(missing).toBe(1)
    expect(h.toJSON()).toEqual([[50, 1]])
  })

  it('storm totals: latest arrival over everyone, missed and duplicates summed', () => {
    const t = addStormView(addStormView(NO_STORM, { at: Float64Array.from([5, 9]), duplicates: 1, outOfOrder: 0 }), { at: Float64Array.from([7, Number.NaN]), duplicates: 0, outOfOrder: 2 })
    expect(t).toEqual({ lastArrivalMs: 9, missed: 1, duplicates: 1, outOfOrder: 2 })
  })
})
