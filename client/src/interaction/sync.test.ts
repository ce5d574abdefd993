// Stream sync: stamped changes wait for the playhead's PDT, show at once without video, never go backwards.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import type { Poll } from '../../../common/wire/interaction.ts'
import { MAX_HOLD_MS, dueBursts, type HeldBurst, emptySync, forget, offer, pollGate, questionGate, release, secondsLeft, viewClockMs, type SyncState } from './sync.ts'

const T0 = Date.parse('2026-12-03T10:00:00Z')
const iso = (ms: number): string => new Date(T0 + ms).toISOString()
const poll = (over: Partial<Poll>): Poll => ({
  id: 'p1', eventId: 'ev', status: 'open', question: 'Q?', audience: 'everyone', durationSec: 30,
  options: [], totalVotes: 0, openedAt: iso(0), closesAt: iso(30_000), closedAt: null, votesAcceptedUntil: null, final: false, createdAt: iso(-1), ...over,
})

describe('offer and release', () => {
  it('holds a poll opened at T until the playhead reaches T, then shows it', () => {
    const open = poll({})
    let s: SyncState<Poll> = emptySync()
    // The viewer plays 2.7 s behind: its playhead is at T0 - 2700 when the open arrives.
    s = offer(s, 'p1', open, pollGate(open), T0 - 2700, 1000)
    expect(s.shown.p1).toBeUndefined()
    // Nothing due: the very same state comes back (no re-render).
    expect(release(s, T0 - 100, 3600)).toBe(s)
    s = release(s, T0, 3700)
    expect(s.shown.p1).toBe(open)
    expect(s.held).toEqual({})
  })

  it('without a playing video (playhead null) every change shows at once', () => {
    const closed = poll({ status: 'closed', closedAt: iso(10_000) })
    const s = offer(emptySync<Poll>(), 'p1', closed, pollGate(closed), null, 0)
    expect(s.shown.p1).toBe(closed)
  })

  it('a change is never held longer than MAX_HOLD_MS', () => {
    const open = poll({})
    let s = offer(emptySync<Poll>(), 'p1', open, pollGate(open), T0 - 60_000, 0)
    s = release(s, T0 - 59_000, MAX_HOLD_MS - 1)
    expect(s.shown.p1).toBeUndefined()
    expect(release(s, T0 - 59_000, MAX_HOLD_MS).shown.p1).toBe(open)
  })

  it('while the open is held, the close waits behind it; the viewer sees open, then closed, each at its moment', () => {
    const open = poll({ totalVotes: 1 })
    const closed = poll({ status: 'closed', closedAt: iso(20_000), totalVotes: 9 })
    let s = offer(emptySync<Poll>(), 'p1', open, pollGate(open), T0 - 3000, 0)
    s = offer(s, 'p1', closed, pollGate(closed), T0 - 3000, 100)
    s = release(s, T0 + 1, 3001)
    expect(s.shown.p1).toBe(open)
    s = release(s, T0 + 20_000, 13_000)
    expect(s.shown.p1).toBe(closed)
  })

  it('property: with monotone stamps and a forward-moving playhead, the shown version is the newest due one and never an older one', () => {
    const step = fc.record({ gap: fc.integer({ min: 0, max: 5000 }), lag: fc.integer({ min: -1000, max: 8000 }), dt: fc.integer({ min: 0, max: 3000 }) })
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 30 }), (steps) => {
        let s = emptySync<number>()
        let gate = T0
        let now = 0
        let lastShown = -1
        steps.forEach(({ gap, lag, dt }, i) => {
          gate += gap
          now += dt
          // The playhead trails the newest stamp by `lag` but never moves backwards.
          const playhead = gate - lag
          s = offer(s, 'k', i, gate, playhead, now)
          s = release(s, playhead, now)
          const shown = s.shown.k ?? -1
          expect(shown).toBeGreaterThanOrEqual(lastShown)
          lastShown = shown
          // Everything newer than the shown version is still held and not yet due (unless superseded).
          for (const h of s.held.k ?? []) expect(h.value).toBeGreaterThan(shown)
        })
        // Once the playhead passes the last stamp, the newest version is shown and nothing is held.
        const end = release(s, gate, now)
        expect(end.shown.k).toBe(steps.length - 1)
        expect(end.held).toEqual({})
      }),
    )
  })

  it('tick updates of a held poll replace each other: one held entry per stamp, the newest shown', () => {
    let s = emptySync<Poll>()
    for (let n = 0; n < 20; n++) {
      const p = poll({ totalVotes: n })
      s = offer(s, 'p1', p, pollGate(p), T0 - 2700, n * 250)
    }
    expect(s.held.p1).toHaveLength(1)
    expect(s.held.p1?.[0]?.receivedAtMs).toBe(0)
    expect(release(s, T0, 5000).shown.p1?.totalVotes).toBe(19)
  })

  it('forget drops a key from shown and held', () => {
    const s = offer(emptySync<number>(), 'a', 1, null, null, 0)
    expect(forget(s, 'a')).toEqual(emptySync())
    expect(forget(s, 'b')).toBe(s)
  })
})

describe('gates and clocks', () => {
  it('gates: open waits for openedAt, closed for closedAt, drafts and unanswered questions not at all', () => {
    expect(pollGate(poll({}))).toBe(T0)
    expect(pollGate(poll({ status: 'closed', closedAt: iso(5) }))).toBe(T0 + 5)
    expect(pollGate(poll({ status: 'draft', openedAt: null }))).toBeNull()
    const q = { id: 'q', eventId: 'ev', text: '', anonymous: false, author: null, status: 'approved' as const, pinned: false, upvotes: 0, createdAt: iso(0) }
    expect(questionGate({ ...q, answeredAt: null })).toBeNull()
    expect(questionGate({ ...q, answeredAt: iso(7) })).toBe(T0 + 7)
  })

  it('the countdown runs on the playhead while video plays, else on the corrected server clock', () => {
    expect(viewClockMs(T0, 999, 5)).toBe(T0)
    expect(viewClockMs(null, 1000, -250)).toBe(750)
    const p = poll({})
    expect(secondsLeft(p, T0 + 10_500)).toBe(20)
    expect(secondsLeft(p, T0 + 40_000)).toBe(0)
    expect(secondsLeft(poll({ closesAt: null }), T0)).toBeNull()
    expect(secondsLeft(poll({ status: 'closed' }), T0)).toBeNull()
  })

  it('reaction bursts wait for their window end (at) like the rest', () => {
    const list: HeldBurst[] = [{ atMs: T0, counts: { '🔥': 3 }, receivedAtMs: 0 }, { atMs: T0 + 250, counts: { '👏': 1 }, receivedAtMs: 0 }]
    const r = dueBursts(list, T0 + 100, 10)
    expect(r.due.map((b) => b.atMs)).toEqual([T0])
    expect(r.waiting.map((b) => b.atMs)).toEqual([T0 + 250])
    expect(dueBursts(list, null, 10).due).toHaveLength(2)
  })
})
