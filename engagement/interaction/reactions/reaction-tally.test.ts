// Reaction aggregation: merged counts equal the sum of the taps in every interleaving; every window is read once.
import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { REACTION_EMOJI } from '../../../common/wire/interaction.ts'
import { ReactionTally, mergeCounts, totalOf, windowEndMs, windowOf, windowsToRead, type Counts } from './reaction-tally.ts'

const tap = fc.record({ instance: fc.nat(3), event: fc.constantFrom('a', 'b'), emoji: fc.constantFrom(...REACTION_EMOJI), n: fc.integer({ min: 1, max: 50 }), flushAfter: fc.boolean() })

describe('ReactionTally and mergeCounts', () => {
  it('merged counts equal the sum of the taps, however taps, flushes and merge order interleave', () => {
    fc.assert(
      fc.property(fc.array(tap, { maxLength: 200 }), fc.nat(), (taps, seed) => {
        const tallies = [0, 1, 2, 3].map(() => new ReactionTally())
        const flushed: { event: string; counts: Counts }[] = []
        const flush = (t: ReactionTally): void => {
          for (const [event, counts] of t.take()) flushed.push({ event, counts })
        }
        const want: Record<string, Counts> = {}
        for (const x of taps) {
          const t = tallies[x.instance] as ReactionTally
          t.add(x.event, x.emoji, x.n)
          want[x.event] = mergeCounts(want[x.event] ?? {}, { [x.emoji]: x.n })
          if (x.flushAfter) flush(t)
        }
        tallies.forEach(flush)
        // The store adds deltas in whatever order they arrive.
        const order = flushed.map((f, i) => ({ f, k: (i * 2654435761 + seed) % 1_000_003 })).sort((p, q) => p.k - q.k)
        const got: Record<string, Counts> = {}
        for (const { f } of order) got[f.event] = mergeCounts(got[f.event] ?? {}, f.counts)
        expect(got).toEqual(want)
        expect(tallies.every((t) => t.take().size === 0)).toBe(true)
      }),
    )
  })

  it('restore puts deltas back for the next flush', () => {
    const t = new ReactionTally()
    t.add('e', '🔥', 3)
    const d = t.take()
    t.add('e', '🔥', 1)
    t.restore(d)
    expect(t.take().get('e')).toEqual({ '🔥': 4 })
    expect(totalOf({ a: 2, b: 5 })).toBe(7)
    expect(mergeCounts({ a: 1 }, { a: 0, b: -2 })).toEqual({ a: 1 })
  })
})

describe('windowsToRead', () => {
  const W = 250
  it('starts with the newest settled window and then reads each window once, in order, whatever the tick jitter', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e9 }), fc.array(fc.integer({ min: 1, max: 3 * W }), { minLength: 1, maxLength: 100 }), (start, steps) => {
        let now = start
        let last: number | null = null
        const read: number[] = []
        for (const s of steps) {
          now += s
          const r = windowsToRead(last, now, W, W, 1000)
          if (r === null) continue
          for (let w = r.from; w <= r.to; w++) read.push(w)
          last = r.to
          // Only settled windows: the window ended at least settleMs ago.
          expect(windowEndMs(r.to, W) + W).toBeLessThanOrEqual(now)
        }
        for (let i = 1; i < read.length; i++) expect(read[i]).toBe((read[i - 1] as number) + 1)
        // A flush written at an earlier tick lands in a window that is read later (or was skipped before the first read).
        if (read.length > 0) expect(windowOf(now, W) - (read.at(-1) as number)).toBeLessThanOrEqual(3)
      }),
    )
  })

  it('a reader that fell far behind skips the oldest windows', () => {
    expect(windowsToRead(10, 100 * W, W, W, 4)).toEqual({ from: 95, to: 98 })
    expect(windowsToRead(98, 100 * W, W, W, 4)).toBeNull()
    expect(windowsToRead(null, 100 * W + 1, W, W, 4)).toEqual({ from: 98, to: 98 })
  })
})
