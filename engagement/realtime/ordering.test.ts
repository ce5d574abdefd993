import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { acceptItems, missingRange, orderState, skipTo, tailRange } from './ordering.ts'

interface Item {
  seq: number
  copy: number
}

/**
 * Drives the pure core the way the gateway does: bus arrivals in any order with duplicates and
 * losses, each `missing` range answered from the complete feed (the hole fill), then a tail check.
 */
function run(n: number, arrivals: readonly number[], start = 0): number[] {
  const feed = (after: number, upto: number): Item[] => Array.from({ length: Math.max(0, upto - after) }, (_, i) => ({ seq: after + 1 + i, copy: 1 }))
  const state = orderState<Item>(start)
  const out: number[] = []
  const take = (items: Item[]): void => {
    let step = acceptItems(state, items)
    for (;;) {
      out.push(...step.deliver.map((i) => i.seq))
      if (step.missing === null) return
      step = acceptItems(state, feed(step.missing.after, step.missing.upto))
    }
  }
  for (const seq of arrivals) take([{ seq, copy: 0 }])
  const tail = tailRange(state, n)
  if (tail !== null) take(feed(tail.after, tail.upto))
  return out
}

describe('in-order delivery core', () => {
  it('delivers each seq exactly once, in order, whatever the arrival order, duplicates and losses', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }).chain((n) => fc.tuple(fc.constant(n), fc.array(fc.integer({ min: 1, max: Math.max(1, n) }), { maxLength: 120 }), fc.integer({ min: 0, max: n }))),
        ([n, arrivals, start]) => {
          const delivered = run(n, arrivals.filter((s) => s <= n), start)
          expect(delivered).toEqual(Array.from({ length: n - start }, (_, i) => start + 1 + i))
        },
      ),
      { numRuns: 500 },
    )
  })

  it('holds items behind a hole and names the range to read', () => {
    const s = orderState<Item>(3)
    expect(acceptItems(s, [{ seq: 6, copy: 0 }])).toEqual({ deliver: [], missing: { after: 3, upto: 6 } })
    expect(acceptItems(s, [{ seq: 3, copy: 0 }]).deliver).toEqual([])
    const step = acceptItems(s, [{ seq: 5, copy: 1 }, { seq: 4, copy: 1 }])
    expect(step.deliver.map((i) => i.seq)).toEqual([4, 5, 6])
    expect(step.missing).toBeNull()
    expect(s.lastSeq).toBe(6)
    expect(tailRange(s, 6)).toBeNull()
    expect(tailRange(s, 9)).toEqual({ after: 6, upto: 9 })
  })

  it('moves past seqs absent from the feed so delivery never stalls', () => {
    const s = orderState<Item>(0)
    acceptItems(s, [{ seq: 4, copy: 0 }])
    expect(missingRange(s)).toEqual({ after: 0, upto: 4 })
    expect(skipTo(s, 3).map((i) => i.seq)).toEqual([4])
    expect(s.lastSeq).toBe(4)
  })
})
