import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { acceptsVotes, checkVote, closePoll, finalizeDue, finalizePoll, newOptions, openPoll, phaseAt, pollView, type PollRecord } from './poll-state.ts'

const T0 = Date.UTC(2026, 0, 1, 12)
const GRACE = 5000

function draft(over: Partial<PollRecord> = {}): PollRecord {
  return {
    id: 'p1',
    eventId: 'ev',
    question: 'Which song next?',
    options: newOptions(['A', 'B', 'C']),
    status: 'draft',
    audience: 'everyone',
    durationSec: null,
    openedAtMs: null,
    closesAtMs: null,
    closedAtMs: null,
    finalizedAtMs: null,
    finalCounts: null,
    createdBy: 'u1',
    createdAtMs: T0,
    ...over,
  }
}

function mustOpen(p: PollRecord, at: number): PollRecord {
  const r = openPoll(p, at)
  if (!r.ok) throw new Error(r.error)
  return r.poll
}

function mustClose(p: PollRecord, at: number): PollRecord {
  const r = closePoll(p, at)
  if (!r.ok) throw new Error(r.error)
  return r.poll
}

describe('poll life cycle', () => {
  const open = mustOpen(draft(), T0 + 1000)
  const timed = mustOpen(draft({ durationSec: 30 }), T0 + 1000)
  const closed = mustClose(open, T0 + 10_000)

  it.each([
    ['a draft', draft(), T0, 'draft'],
    ['an open poll', open, T0 + 5000, 'open'],
    ['an open poll with a duration before it ends', timed, T0 + 30_999, 'open'],
    ['an open poll whose duration ended', timed, T0 + 31_000, 'grace'],
    ['one whose duration ended longer ago than the grace', timed, T0 + 31_000 + GRACE, 'due'],
    ['a closed poll within the grace', closed, T0 + 10_000 + GRACE - 1, 'grace'],
    ['a closed poll after the grace', closed, T0 + 10_000 + GRACE, 'due'],
    ['a final poll', finalizePoll(closed, { o1: 1 }, T0 + 20_000), T0 + 20_000, 'final'],
  ])('phase of %s', (_name, p, now, want) => {
    expect(phaseAt(p, now, GRACE)).toBe(want)
  })

  it('open starts the countdown; open again changes nothing; a closed poll never reopens', () => {
    expect(timed).toMatchObject({ status: 'open', openedAtMs: T0 + 1000, closesAtMs: T0 + 31_000 })
    expect(openPoll(timed, T0 + 2000)).toEqual({ ok: true, poll: timed, changed: false })
    expect(openPoll(closed, T0 + 20_000)).toEqual({ ok: false, error: 'POLL_CLOSED' })
    // Past its duration it has closed by itself, even before the sweep writes that down.
    expect(openPoll(timed, T0 + 40_000)).toEqual({ ok: false, error: 'POLL_CLOSED' })
  })

  it('close stamps the moment; a poll that ran out closes at its end; closing twice is a no-op; a draft cannot close', () => {
    expect(closed).toMatchObject({ status: 'closed', closedAtMs: T0 + 10_000 })
    expect(mustClose(timed, T0 + 99_000)).toMatchObject({ closedAtMs: T0 + 31_000 })
    expect(closePoll(closed, T0 + 11_000)).toEqual({ ok: true, poll: closed, changed: false })
    expect(closePoll(draft(), T0)).toEqual({ ok: false, error: 'POLL_NOT_OPEN' })
  })

  it('vote checks: another event is not found, drafts and past-grace are not open, unknown options are refused', () => {
    const v = { eventId: 'ev', pollId: 'p1', userId: 'u', optionId: 'o2' }
    expect(checkVote(undefined, v, T0, GRACE)).toBe('POLL_NOT_FOUND')
    expect(checkVote(open, { ...v, eventId: 'other' }, T0 + 2000, GRACE)).toBe('POLL_NOT_FOUND')
    expect(checkVote(draft(), v, T0, GRACE)).toBe('POLL_NOT_OPEN')
    expect(checkVote(closed, v, T0 + 10_000 + GRACE, GRACE)).toBe('POLL_NOT_OPEN')
    expect(checkVote(open, { ...v, optionId: 'o9' }, T0 + 2000, GRACE)).toBe('UNKNOWN_OPTION')
    expect(checkVote(open, v, T0 + 2000, GRACE)).toBeNull()
    expect(checkVote(closed, v, T0 + 10_000 + GRACE - 1, GRACE)).toBeNull()
  })

  // A random life: open at tOpen (maybe with a duration), maybe closed by the host at tClose, finalized
  // by the sweep at tSweep if it is due by then; then any vote moment t.
  const life = fc.record({
    tOpen: fc.integer({ min: 0, max: 100_000 }),
    durationSec: fc.option(fc.integer({ min: 10, max: 120 }), { nil: null }),
    closeAfter: fc.option(fc.integer({ min: 0, max: 200_000 }), { nil: null }),
    sweepAfter: fc.integer({ min: 0, max: 400_000 }),
    t: fc.integer({ min: -1000, max: 600_000 }),
    grace: fc.integer({ min: 0, max: 10_000 }),
  })

  it('a vote is accepted iff the poll is open or within the grace after its close, and never once final (property)', () => {
    fc.assert(
      fc.property(life, ({ tOpen, durationSec, closeAfter, sweepAfter, t, grace }) => {
        let p = draft({ durationSec })
        const at = (ms: number): number => T0 + ms
        if (t < tOpen) {
          expect(acceptsVotes(p, at(t), grace)).toBe(false)
          return
        }
        p = mustOpen(p, at(tOpen))
        const naturalEnd = durationSec === null ? Infinity : tOpen + durationSec * 1000
        const hostClose = closeAfter === null ? Infinity : tOpen + closeAfter
        const closeMoment = Math.min(naturalEnd, hostClose)
        if (hostClose <= t) p = mustClose(p, at(hostClose))
        const sweepAt = tOpen + sweepAfter
        let finalAt = Infinity
        if (sweepAt <= t && finalizeDue(p, at(sweepAt), grace)) {
          p = finalizePoll(p, {}, at(sweepAt))
          finalAt = sweepAt
        }
        const expected = t < closeMoment + grace && t < finalAt
        expect(acceptsVotes(p, at(t), grace)).toBe(expected)
        // Finalizing happens once: a final poll is never due again and never reopens.
        if (finalAt !== Infinity) {
          expect(finalizeDue(p, at(t), grace)).toBe(false)
          expect(openPoll(p, at(t)).ok).toBe(false)
        }
        const view = pollView(p, { o1: 2, o2: 1 }, at(t), grace)
        expect(view.status).toBe(t >= closeMoment ? 'closed' : 'open')
        if (t >= closeMoment) expect(view.closedAt).toBe(new Date(at(closeMoment)).toISOString())
        expect(view.final).toBe(finalAt !== Infinity)
      }),
      { numRuns: 2000 },
    )
  })
})

describe('pollView', () => {
  it('shows live counts while votes run, the stored exact counts once final, and the totals', () => {
    const open = mustOpen(draft({ durationSec: 60 }), T0)
    expect(pollView(open, { o1: 3, o3: 2, junk: 7 }, T0 + 1000, GRACE)).toEqual({
      id: 'p1',
      eventId: 'ev',
      status: 'open',
      question: 'Which song next?',
      options: [
        { id: 'o1', text: 'A', votes: 3 },
        { id: 'o2', text: 'B', votes: 0 },
        { id: 'o3', text: 'C', votes: 2 },
      ],
      totalVotes: 5,
      audience: 'everyone',
      durationSec: 60,
      openedAt: new Date(T0).toISOString(),
      closesAt: new Date(T0 + 60_000).toISOString(),
      closedAt: null,
      votesAcceptedUntil: new Date(T0 + 60_000 + GRACE).toISOString(),
      final: false,
      createdAt: new Date(T0).toISOString(),
    })
    const final = finalizePoll(mustClose(open, T0 + 5000), { o2: 4 }, T0 + 5000 + GRACE)
    const v = pollView(final, { o1: 99 }, T0 + 20_000, GRACE)
    expect(v.options.map((o) => o.votes)).toEqual([0, 4, 0])
    expect(v).toMatchObject({ status: 'closed', totalVotes: 4, final: true, closedAt: new Date(T0 + 5000).toISOString(), votesAcceptedUntil: new Date(T0 + 5000 + GRACE).toISOString() })
  })

  it('a draft shows no times', () => {
    expect(pollView(draft(), {}, T0, GRACE)).toMatchObject({ status: 'draft', openedAt: null, closesAt: null, closedAt: null, votesAcceptedUntil: null, totalVotes: 0 })
  })
})
