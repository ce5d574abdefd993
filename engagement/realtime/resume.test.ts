import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { planResume, oldestResumable, Ring } from './resume.ts'

describe('resume window', () => {
  it.each([
    // afterSeq, lastSeq, window, plan
    [5, 5, 10, { kind: 'live' }],
    [0, 0, 10, { kind: 'live' }],
    [0, 10, 10, { kind: 'replay', afterSeq: 0, lastSeq: 10 }],
    [0, 11, 10, { kind: 'gap', oldestSeq: 2 }],
    [1, 11, 10, { kind: 'replay', afterSeq: 1, lastSeq: 11 }],
    [2, 15, 10, { kind: 'gap', oldestSeq: 6 }],
    [5, 15, 10, { kind: 'replay', afterSeq: 5, lastSeq: 15 }],
    [16, 15, 10, { kind: 'gap', oldestSeq: 6 }],
    [3, 0, 10, { kind: 'gap', oldestSeq: 1 }],
  ] as const)('resume after %i with newest %i and window %i', (afterSeq, lastSeq, window, plan) => {
    expect(planResume(afterSeq, lastSeq, window)).toEqual(plan)
  })

  it('a replay covers exactly the missed seqs and never more than the window; otherwise there is a gap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 1, max: 2000 }), (afterSeq, lastSeq, window) => {
        const p = planResume(afterSeq, lastSeq, window)
        const oldest = oldestResumable(lastSeq, window)
        if (p.kind === 'live') expect(afterSeq).toBe(lastSeq)
        else if (p.kind === 'replay') {
          expect(afterSeq).toBeLessThan(lastSeq)
          expect(afterSeq + 1).toBeGreaterThanOrEqual(oldest)
          expect(lastSeq - afterSeq).toBeLessThanOrEqual(window)
        } else {
          expect(afterSeq > lastSeq || afterSeq + 1 < oldest).toBe(true)
          expect(p.oldestSeq).toBe(oldest)
        }
      }),
    )
  })

  it('the ring answers ranges it holds entirely, else null', () => {
    const r = new Ring<{ seq: number }>(3)
    for (let s = 1; s <= 5; s++) r.push({ seq: s })
    expect(r.size).toBe(3)
    expect(r.range(2, 5)?.map((i) => i.seq)).toEqual([3, 4, 5])
    expect(r.range(3, 4)?.map((i) => i.seq)).toEqual([4])
    expect(r.range(1, 5)).toBeNull()
    expect(r.range(4, 6)).toBeNull()
    expect(r.range(5, 5)).toEqual([])
    // A jump restarts it (never returns a range with a hole).
    r.push({ seq: 9 })
    expect(r.range(5, 9)).toBeNull()
    expect(r.range(8, 9)?.map((i) => i.seq)).toEqual([9])
    expect(new Ring(0).range(0, 1)).toBeNull()
  })
})
