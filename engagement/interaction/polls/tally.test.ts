import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { LocalTally, mergeReport, mergedCounts, parseTallyField, tallyField, type Counts } from './tally.ts'

const OPTIONS = ['o1', 'o2', 'o3']
const POLL = 'p1'

type Step =
  | { kind: 'vote'; instance: number; option: number }
  | { kind: 'report'; instance: number }
  | { kind: 'deliver'; pick: number; keep: boolean }
  | { kind: 'drop'; pick: number }

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('vote' as const), instance: fc.nat(2), option: fc.nat(OPTIONS.length - 1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('report' as const), instance: fc.nat(2) }) },
  // keep: the same report is delivered again later (a retry whose first attempt had been stored).
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('deliver' as const), pick: fc.nat(), keep: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), pick: fc.nat() }) },
)

interface InFlight {
  instance: number
  fields: Counts
}

const sumOf = (c: Counts): number => Object.values(c).reduce((a, b) => a + b, 0)

describe('live tallies (G-counter through the store)', () => {
  it('merged counts equal the committed votes in every interleaving of votes, duplicated, reordered and lost reports (property)', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
        const tallies = [0, 1, 2].map((i) => new LocalTally(`inst-${String(i)}`))
        const committed: Counts = {}
        let store: Counts = {}
        const inFlight: InFlight[] = []
        const deliver = (f: InFlight): void => {
          store = mergeReport(store, f.fields)
          tallies[f.instance]?.reported(POLL, f.fields)
        }
        for (const s of steps) {
          if (s.kind === 'vote') {
            const option = OPTIONS[s.option] ?? 'o1'
            tallies[s.instance]?.add(POLL, option)
            committed[option] = (committed[option] ?? 0) + 1
          } else if (s.kind === 'report') {
            const fields = tallies[s.instance]?.pending().get(POLL)
            if (fields !== undefined) inFlight.push({ instance: s.instance, fields })
          } else if (inFlight.length > 0) {
            const i = s.pick % inFlight.length
            const f = inFlight[i]
            if (f === undefined) continue
            if (s.kind === 'drop' || !s.keep) inFlight.splice(i, 1)
            if (s.kind === 'deliver') deliver(f)
          }
          // Never more than what was committed, whatever arrived in whatever order.
          const merged = mergedCounts(store)
          for (const o of OPTIONS) expect(merged[o] ?? 0).toBeLessThanOrEqual(committed[o] ?? 0)
        }
        // Late and duplicated reports still in flight arrive; then each instance's next tick reports what it still owes.
        for (const f of inFlight) deliver(f)
        for (const [i, t] of tallies.entries()) {
          for (const [, fields] of t.pending()) deliver({ instance: i, fields })
          expect(t.pending().size).toBe(0)
        }
        const merged = mergedCounts(store)
        for (const o of OPTIONS) expect(merged[o] ?? 0).toBe(committed[o] ?? 0)
        expect(sumOf(merged)).toBe(steps.filter((s) => s.kind === 'vote').length)
      }),
      { numRuns: 500 },
    )
  })

  it('merging reports is idempotent, commutative and associative (property)', () => {
    const report = fc.dictionary(fc.constantFrom(...['a|o1', 'a|o2', 'b|o1', 'c|o3']), fc.nat(1000))
    fc.assert(
      fc.property(report, report, report, (x, y, z) => {
        expect(mergeReport(mergeReport({}, x), x)).toEqual(mergeReport({}, x))
        expect(mergeReport(mergeReport({}, x), y)).toEqual(mergeReport(mergeReport({}, y), x))
        expect(mergeReport(mergeReport(mergeReport({}, x), y), z)).toEqual(mergeReport(mergeReport({}, x), mergeReport(mergeReport({}, y), z)))
      }),
    )
  })

  it('a report taken before a later vote leaves the poll owed', () => {
    const t = new LocalTally('a')
    t.add('p', 'o1')
    const first = t.pending().get('p') ?? {}
    t.add('p', 'o1')
    t.reported('p', first)
    expect(t.pending().get('p')).toEqual({ [tallyField('a', 'o1')]: 2 })
    t.reported('p', { [tallyField('a', 'o1')]: 2 })
    expect(t.pending().size).toBe(0)
    expect(t.own('p')).toEqual({ o1: 2 })
    t.forget('p')
    expect(t.own('p')).toEqual({})
  })

  it.each([
    ['inst|o1', { instanceId: 'inst', optionId: 'o1' }],
    ['host:1|2|o2', { instanceId: 'host:1|2', optionId: 'o2' }],
    ['|o1', null],
    ['inst|', null],
    ['nobar', null],
  ])('parseTallyField(%s)', (field, want) => {
    expect(parseTallyField(field)).toEqual(want)
  })

  it('mergedCounts sums instances per option and ignores fields it did not write', () => {
    expect(mergedCounts({ 'a|o1': '3', 'b|o1': 4, 'b|o2': '1', junk: '9', 'c|o3': '-2', 'd|o3': 'x', 'e|o3': '1.5' })).toEqual({ o1: 7, o2: 1 })
  })
})
