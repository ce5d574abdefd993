import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { AttemptLimiter } from './rate-limit.ts'

describe('AttemptLimiter', () => {
  it('allows a burst of perMinute, then refills at perMinute per minute', () => {
    const l = new AttemptLimiter(3)
    expect([1, 2, 3, 4].map(() => l.take('a', 0))).toEqual([true, true, true, false])
    expect(l.take('b', 0)).toBe(true)
    expect(l.take('a', 19_000)).toBe(false)
    expect(l.take('a', 20_000)).toBe(true)
    expect(l.take('a', 20_001)).toBe(false)
  })

  it('never grants more than burst + elapsed × rate', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.integer({ min: 0, max: 5000 }), { maxLength: 200 }), (rate, steps) => {
        const l = new AttemptLimiter(rate)
        let now = 0
        let granted = 0
        for (const s of steps) {
          now += s
          if (l.take('x', now)) granted++
        }
        expect(granted).toBeLessThanOrEqual(rate + Math.floor((now * rate) / 60_000))
      }),
    )
  })

  it('bounds the number of tracked addresses', () => {
    const l = new AttemptLimiter(1, 2)
    l.take('a', 0)
    l.take('b', 0)
    l.take('c', 0)
    // "a" was forgotten, so it gets a fresh budget.
    expect(l.take('a', 0)).toBe(true)
    expect(l.take('c', 0)).toBe(false)
  })
})
