// Poll announcements and reaction coalescing: what the live region says and when, what the socket sends.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import type { Poll } from '../../../common/wire/interaction.ts'
import { RESULTS_EVERY_MS, SILENT, nextAnnouncement, share, type AnnounceMemo } from './announce.ts'
import { BURST_MAX_SPRITES, EMOJI, REACT_MAX_COUNT, flush, isReactionEmoji, planBurst, spritesFor, tap, type PendingTaps } from './reactions.ts'

const poll = (over: Partial<Poll> = {}): Poll => ({
  id: 'p1', eventId: 'ev', status: 'open', question: 'Q?', audience: 'everyone', durationSec: null,
  options: [{ id: 'a', text: 'A', votes: 0 }, { id: 'b', text: 'B', votes: 0 }], totalVotes: 0,
  openedAt: '2026-12-03T10:00:00Z', closesAt: null, closedAt: null, votesAcceptedUntil: null, final: false, createdAt: '2026-12-03T09:59:00Z', ...over,
})
const votes = (a: number, b: number): Partial<Poll> => ({ options: [{ id: 'a', text: 'A', votes: a }, { id: 'b', text: 'B', votes: b }], totalVotes: a + b })

describe('nextAnnouncement', () => {
  it('announces the opening, live results at most every RESULTS_EVERY_MS, the close and the final counts', () => {
    let memo: AnnounceMemo = SILENT
    const said: [number, string][] = []
    const step = (p: Poll | null, t: number): void => {
      const r = nextAnnouncement(memo, p, t)
      memo = r.memo
      if (r.say !== null) said.push([t, r.say])
    }
    step(poll(), 0)
    // A tick every 250 ms for 20 s with growing counts.
    for (let t = 250; t <= 20_000; t += 250) step(poll(votes(t / 250, 1)), t)
    step(poll({ ...votes(90, 1), status: 'closed', closedAt: '2026-12-03T10:00:30Z' }), 20_100)
    step(poll({ ...votes(90, 1), status: 'closed', closedAt: '2026-12-03T10:00:30Z' }), 20_350)
    step(poll({ ...votes(91, 1), status: 'closed', final: true }), 25_000)
    expect(said).toEqual([[0, 'opened'], [RESULTS_EVERY_MS, 'results'], [2 * RESULTS_EVERY_MS, 'results'], [20_100, 'closed'], [25_000, 'final']])
  })

  it('property: live results are never announced twice within the gap', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 3000 }), fc.nat(5)), { maxLength: 60 }), (ticks) => {
        let memo: AnnounceMemo = nextAnnouncement(SILENT, poll(), 0).memo
        let t = 0
        let a = 0
        let last = -Infinity
        for (const [dt, more] of ticks) {
          t += dt
          a += more
          const r = nextAnnouncement(memo, poll(votes(a, 0)), t)
          memo = r.memo
          if (r.say === 'results') {
            expect(t - last).toBeGreaterThanOrEqual(RESULTS_EVERY_MS)
            last = t
          }
        }
      }),
    )
  })

  it('nothing for drafts, no poll, or unchanged counts; share of votes', () => {
    expect(nextAnnouncement(SILENT, null, 0).say).toBeNull()
    expect(nextAnnouncement(SILENT, poll({ status: 'draft' }), 0).say).toBeNull()
    const m = nextAnnouncement(SILENT, poll(votes(1, 1)), 0).memo
    expect(nextAnnouncement(m, poll(votes(1, 1)), 60_000).say).toBeNull()
    expect(share(1, 4)).toBe(0.25)
    expect(share(0, 0)).toBe(0)
  })
})

describe('reaction coalescing', () => {
  it('property: any taps within a window become at most one frame per emoji, with the tap count (capped)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...EMOJI), { maxLength: 300 }), (taps) => {
        let p: PendingTaps = {}
        for (const e of taps) p = tap(p, e)
        const { frames, rest } = flush(p)
        expect(rest).toEqual({})
        expect(new Set(frames.map((f) => f.emoji)).size).toBe(frames.length)
        for (const e of EMOJI) {
          const n = taps.filter((x) => x === e).length
          expect(frames.find((f) => f.emoji === e)?.count ?? 0).toBe(Math.min(n, REACT_MAX_COUNT))
        }
      }),
    )
  })

  it('bursts: one sprite per doubling, capped; unknown emoji from the wire are not drawn', () => {
    expect([0, 1, 2, 3, 4, 7, 8, 1_000_000].map(spritesFor)).toEqual([0, 1, 2, 2, 3, 3, 4, BURST_MAX_SPRITES])
    const sprites = planBurst({ '🔥': 4, '<img>': 50 }, 10, () => 0.5, 0)
    expect(sprites.map((s) => [s.id, s.emoji])).toEqual([[10, '🔥'], [11, '🔥'], [12, '🔥']])
    expect(isReactionEmoji('👏')).toBe(true)
    expect(isReactionEmoji('x')).toBe(false)
  })
})
