import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { advancePartLimit, type BlockingState, blockingTimeoutMs, decideBlocking, parseHlsQuery } from './blocking.ts'

describe('parseHlsQuery', () => {
  it.each([
    ['', { skip: false }],
    ['_HLS_msn=12', { msn: 12, skip: false }],
    ['_HLS_msn=12&_HLS_part=0', { msn: 12, part: 0, skip: false }],
    ['_HLS_part=3', { part: 3, skip: false }],
    ['_HLS_skip=YES&_HLS_msn=1', { msn: 1, skip: true }],
    ['_HLS_skip=v2', { skip: true }],
    ['token=abc&x', { skip: false }],
    ['%5FHLS_msn=%31%32', { msn: 12, skip: false }],
    ['_HLS_msn=3&token=a%20b', { msn: 3, skip: false }],
  ])('%j', (raw, want) => {
    expect(parseHlsQuery(raw)).toEqual({ ok: true, query: want })
  })

  it.each(['_HLS_msn=-1', '_HLS_msn=1.5', '_HLS_msn=', '_HLS_part=abc', '_HLS_msn=9999999999999999', '_HLS_skip=NO', '_HLS_skip', `a=${'x'.repeat(600)}`,
    '_HLS_msn=1e400', '_HLS_msn=0x1', '_HLS_msn=1%00', '_HLS_msn=%zz', 'x=%zz', 'x=%', '%E0%A4%A=1',
    '_HLS_msn=1&_HLS_msn=1', '_HLS_msn=1&_HLS_part=0&_HLS_part=1', '_HLS_skip=YES&_HLS_skip=v2', '_HLS_msn=1&%5FHLS_msn=2'])(
    'refuses %j',
    (raw) => {
      expect(parseHlsQuery(raw).ok).toBe(false)
    },
  )

  it('never throws on arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 700 }), (s) => (parseHlsQuery(s), true)))
  })
})

/** A rendition whose complete segments have the given part counts and whose open segment has `openParts`. */
function state(completed: number[], openParts: number, ended = false): BlockingState {
  return {
    ended,
    nextMsn: completed.length,
    openParts,
    partCount: (msn) => completed[msn],
    expectedPartsPerSegment: 3,
    advancePartLimit: advancePartLimit(0.357),
  }
}

describe('decideBlocking (table)', () => {
  const s = state([3, 3, 3], 1) // segments 0–2 complete, part 0 of msn 3 exists
  it.each([
    ['no directives', {}, 'ready'],
    ['msn of a complete segment', { msn: 2 }, 'ready'],
    ['msn of the open segment', { msn: 3 }, 'wait'],
    ['existing part', { msn: 3, part: 0 }, 'ready'],
    ['next part', { msn: 3, part: 1 }, 'wait'],
    ['part past a complete segment = part 0 of the next (exists)', { msn: 2, part: 3 }, 'ready'],
    ['part past a complete segment, chained', { msn: 2, part: 9 }, 'ready'],
    ['msn last + 2', { msn: 5 }, 'wait'],
    ['msn last + 3', { msn: 6 }, 'bad:MSN_TOO_FAR'],
    ['part without msn', { part: 1 }, 'bad:PART_WITHOUT_MSN'],
    ['part beyond the advance limit', { msn: 3, part: 11 }, 'bad:PART_TOO_FAR'],
    ['part just within the advance limit', { msn: 3, part: 9 }, 'wait'],
    ['old msn', { msn: 0, part: 1 }, 'ready'],
  ])('%s', (_label, q, want) => {
    const d = decideBlocking(s, q)
    expect(d.kind === 'bad' ? `bad:${d.code}` : d.kind).toBe(want)
  })

  it('ignores the directives once the playlist has ENDLIST', () => {
    for (const q of [{ msn: 99 }, { part: 1 }, { msn: 3, part: 50 }]) expect(decideBlocking(state([3], 0, true), q).kind).toBe('ready')
  })

  it('advance limit and timeout follow the targets', () => {
    expect(advancePartLimit(0.357)).toBe(9)
    expect(advancePartLimit(0.5)).toBe(6)
    expect(advancePartLimit(1)).toBe(3)
    expect(blockingTimeoutMs(1)).toBe(3000)
    expect(blockingTimeoutMs(2)).toBe(6000)
  })
})

describe('decideBlocking (properties)', () => {
  const arbState = fc.record({
    completed: fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 8 }),
    openParts: fc.integer({ min: 0, max: 6 }),
  })

  /** Every existing (msn, part) pair in the model. */
  const exists = (completed: number[], openParts: number, msn: number, part: number): boolean => {
    let m = msn
    let p = part
    while (m < completed.length) {
      const c = completed[m] ?? 0
      if (p < c) return true
      m += 1
      p = 0
    }
    return m === completed.length && p < openParts
  }

  it('is ready exactly when the asked part exists; else waits or refuses', () => {
    fc.assert(
      fc.property(arbState, fc.nat(12), fc.nat(12), ({ completed, openParts }, msn, part) => {
        const d = decideBlocking(state(completed, openParts), { msn, part })
        if (exists(completed, openParts, msn, part)) expect(d.kind).toBe('ready')
        else expect(d.kind).not.toBe('ready')
      }),
    )
  })

  it('refuses every msn beyond last + 2, and never a near request for a part a segment can hold', () => {
    fc.assert(
      fc.property(arbState, fc.nat(20), fc.nat(2), ({ completed, openParts }, msn, part) => {
        const last = openParts > 0 ? completed.length : completed.length - 1
        const d = decideBlocking(state(completed, openParts), { msn, part })
        if (msn > last + 2) expect(d).toEqual({ kind: 'bad', code: 'MSN_TOO_FAR' })
        else expect(d.kind).not.toBe('bad')
      }),
    )
  })

  it('stays ready as parts are added (a waiter woken once never goes back to waiting)', () => {
    fc.assert(
      fc.property(arbState, fc.nat(10), fc.nat(5), fc.nat(5), ({ completed, openParts }, msn, part, more) => {
        const before = decideBlocking(state(completed, openParts), { msn, part })
        const after = decideBlocking(state(completed, openParts + more), { msn, part })
        if (before.kind === 'ready') expect(after.kind).toBe('ready')
      }),
    )
  })
})
