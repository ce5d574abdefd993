// Slow mode, sliding and fixed send windows: accepted messages are always far enough apart, and never more than the limit per window.
import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { decodeSendLog, encodeSendLog, fixedWindow, retryAfterSec, slidingWindowDecision, slowModeDecision, windowDecision } from './send-window.ts'

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

describe('slidingWindowDecision', () => {
  const W = 30_000
  it.each<[string, number[], number, number, string]>([
    ['empty log', [], 1000, 2, 'ok [1000]'],
    ['under the limit', [500], 1000, 2, 'ok [500,1000]'],
    ['at the limit', [500, 900], 1000, 2, 'wait 29500 [500,900]'],
    ['oldest ages out exactly at W', [500, 900], 30_500, 2, 'ok [900,30500]'],
    ['one ms before it ages out', [500, 900], 30_499, 2, 'wait 1 [500,900]'],
    ['the old fixed-window edge: limit at the end, limit more at the start of the next', [29_999, 29_999], 30_000, 2, 'wait 29999 [29999,29999]'],
    ['entries out of order and expired ones dropped', [900, -50_000, 500], 1000, 3, 'ok [500,900,1000]'],
    ['an entry ahead of this clock (another instance) counts', [5000], 1000, 1, 'wait 34000 [5000]'],
    ['more entries than a lowered limit: wait for enough to age out', [100, 200, 300], 1000, 2, 'wait 29200 [200,300]'],
    ['unreadable entries ignored', [Number.NaN, 500], 1000, 2, 'ok [500,1000]'],
  ])('%s', (_n, log, now, limit, want) => {
    const { decision, log: next } = slidingWindowDecision(log, now, W, limit)
    expect(`${decision.ok ? 'ok' : `wait ${String(decision.retryAfterMs)}`} [${next.join(',')}]`).toBe(want)
  })

  it('codec: a log survives the stored form; junk reads as no entry', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 4_000_000_000_000 }), { maxLength: 50 }), (log) => {
        expect(decodeSendLog(encodeSendLog(log))).toEqual(log)
      }),
    )
    expect([decodeSendLog(null), decodeSendLog(''), decodeSendLog('12,x,,34')]).toEqual([[], [], [12, 34]])
  })

  it('for any request times, no window of length W holds more than limit accepted sends; a refusal says exactly when the next passes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 60_000 }),
        fc.array(fc.integer({ min: 0, max: 8000 }), { maxLength: 200 }),
        (limit, w, gaps) => {
          let now = 1_700_000_000_123
          let stored = ''
          const accepted: number[] = []
          for (const g of gaps) {
            now += g
            const log = decodeSendLog(stored)
            const { decision, log: next } = slidingWindowDecision(log, now, w, limit)
            if (decision.ok) {
              accepted.push(now)
              stored = encodeSendLog(next)
            } else {
              expect(decision.retryAfterMs).toBeGreaterThan(0)
              expect(slidingWindowDecision(log, now + decision.retryAfterMs, w, limit).decision.ok).toBe(true)
              expect(slidingWindowDecision(log, now + decision.retryAfterMs - 1, w, limit).decision.ok).toBe(false)
            }
          }
          // The busiest half-open window [a, a + w) starts at an accepted send.
          for (const a of accepted) expect(accepted.filter((t) => t >= a && t < a + w).length).toBeLessThanOrEqual(limit)
        },
      ),
    )
  })

  it('never refuses when fewer than limit sends were accepted in the last W', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(fc.integer({ min: 0, max: 8000 }), { maxLength: 100 }), (limit, gaps) => {
        let now = 1_700_000_000_000
        let log: number[] = []
        const accepted: number[] = []
        for (const g of gaps) {
          now += g
          const recent = accepted.filter((t) => t > now - W).length
          const r = slidingWindowDecision(log, now, W, limit)
          expect(r.decision.ok).toBe(recent < limit)
          if (r.decision.ok) {
            accepted.push(now)
            log = r.log
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
