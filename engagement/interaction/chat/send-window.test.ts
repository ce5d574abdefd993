// Slow mode and fixed send windows: accepted messages are always far enough apart, and never more than the limit per window.
import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { fixedWindow, retryAfterSec, slowModeDecision, windowDecision } from './send-window.ts'

describe('slowModeDecision', () => {
  it.each<[string, number | null, number, number, string]>([
    ['off', 1000, 1001, 0, 'ok'],
    ['first message', null, 5000, 30, 'ok'],
    ['too soon', 0, 29_999, 30, 'wait 1'],
    ['exactly at the end', 0, 30_000, 30, 'ok'],
    ['long after', 0, 90_000, 30, 'ok'],
  ])('%s', (_n, last, now, slow, want) => {
    const d = slowModeDecision(last, now, slow)
    expect(d.ok ? 'ok' : `wait ${String(d.retryAfterMs)}`).toBe(want)
  })

  it('accepted messages are at least slowModeSec apart, and a refusal says exactly when the next one passes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 120 }), fc.array(fc.integer({ min: 0, max: 40_000 }), { maxLength: 100 }), (slow, gaps) => {
        let now = 1_700_000_000_000
        let last: number | null = null
        for (const g of gaps) {
          now += g
          const d = slowModeDecision(last, now, slow)
          if (d.ok) {
            if (last !== null) expect(now - last).toBeGreaterThanOrEqual(slow * 1000)
            last = now
          } else {
            expect(slowModeDecision(last, now + d.retryAfterMs, slow).ok).toBe(true)
            expect(slowModeDecision(last, now + d.retryAfterMs - 1, slow).ok).toBe(false)
          }
        }
      }),
    )
  })
})

describe('fixed windows', () => {
  it('never accept more than the limit in one window, and refusals last until the window ends', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.array(fc.integer({ min: 0, max: 5000 }), { maxLength: 200 }), (limit, gaps) => {
        const W = 30_000
        let now = 1_700_000_000_123
        const counts = new Map<number, number>()
        const accepted = new Map<number, number>()
        for (const g of gaps) {
          now += g
          const { window, leftMs } = fixedWindow(now, W)
          expect(leftMs).toBeGreaterThan(0)
          expect(fixedWindow(now + leftMs, W).window).toBe(window + 1)
          const count = (counts.get(window) ?? 0) + 1
          counts.set(window, count)
          const d = windowDecision(count, limit, leftMs)
          if (d.ok) accepted.set(window, (accepted.get(window) ?? 0) + 1)
          else expect(d.retryAfterMs).toBe(leftMs)
        }
        for (const n of accepted.values()) expect(n).toBeLessThanOrEqual(limit)
      }),
    )
  })

  it('rounds Retry-After up to whole seconds, at least 1', () => {
    expect([retryAfterSec(1), retryAfterSec(1000), retryAfterSec(1001), retryAfterSec(0)]).toEqual([1, 1, 2, 1])
  })
})
