import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { fixedWindow, fullBucket, nextTickDelayMs, takeToken } from './limits.ts'

describe('gateway limits and timing', () => {
  it('a bucket gives its burst at once, then its rate', () => {
    const b = fullBucket(3, 0)
    expect([takeToken(b, 0, 2, 3), takeToken(b, 0, 2, 3), takeToken(b, 0, 2, 3), takeToken(b, 0, 2, 3)]).toEqual([true, true, true, false])
    expect(takeToken(b, 499, 2, 3)).toBe(false)
    expect(takeToken(b, 500, 2, 3)).toBe(true)
    // Never more than the burst, however long it rested.
    const n = [1, 2, 3, 4, 5].map(() => takeToken(b, 1_000_000, 2, 3)).filter(Boolean).length
    expect(n).toBe(3)
  })

  it('over any span a bucket admits at most burst + rate × span', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 50 }), (gaps, perSec, burst) => {
        const b = fullBucket(burst, 0)
        let t = 0
        let admitted = 0
        for (const g of gaps) {
          t += g
          if (takeToken(b, t, perSec, burst)) admitted++
        }
        expect(admitted).toBeLessThanOrEqual(burst + Math.floor((t * perSec) / 1000))
      }),
    )
  })

  it('fixed windows are numbered by the clock and live past their end', () => {
    expect(fixedWindow(125_000, 60_000)).toEqual({ index: 2, leftMs: 55_000, ttlMs: 56_000 })
    expect(fixedWindow(120_000, 60_000)).toEqual({ index: 2, leftMs: 60_000, ttlMs: 61_000 })
  })

  it('ticks land on the wall-clock grid', () => {
    expect(nextTickDelayMs(1000, 250)).toBe(250)
    expect(nextTickDelayMs(1010, 250)).toBe(240)
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 45 }), fc.integer({ min: 1, max: 5000 }), (now, p) => {
        const d = nextTickDelayMs(now, p)
        expect(d).toBeGreaterThan(0)
        expect(d).toBeLessThanOrEqual(p)
        expect((now + d) % p).toBe(0)
      }),
    )
  })
})
