import { describe, it, expect, afterAll } from 'vitest'
import { randomBytes } from 'node:crypto'
import { makeApp } from '../../test-support.ts'
import { insertTestEvent } from '../../realtime/test-support.ts'
import { closePoll, newOptions, openPoll, type PollRecord, type VoteRequest } from './poll-state.ts'
import { countVotes, finalizeOnePoll, insertPoll, pollById, storeVotes, transitionPoll } from './polls.ts'

const GRACE = 5000

describe('the vote gate: final counts are exactly the stored votes, even with instance clocks apart', async () => {
  const t = await makeApp()
  afterAll(() => t.close())

  async function closedPoll(): Promise<{ poll: PollRecord; closedAt: number }> {
    const { eventId, userId } = await insertTestEvent(t.ctx.db)
    const now = t.clock.now()
    const draft: PollRecord = {
      id: `gate${randomBytes(6).toString('hex')}`,
      eventId,
      question: 'Q',
      options: newOptions(['a', 'b']),
      status: 'draft',
      audience: 'everyone',
      durationSec: null,
      openedAtMs: null,
      closesAtMs: null,
      closedAtMs: null,
      finalizedAtMs: null,
      finalCounts: null,
      createdBy: userId,
      createdAtMs: now,
    }
    await insertPoll(t.ctx.db, draft)
    await transitionPoll(t.ctx.db, eventId, draft.id, 'open', now)
    await transitionPoll(t.ctx.db, eventId, draft.id, 'close', now + 1000)
    const poll = await pollById(t.ctx.db, draft.id)
    if (poll === null) throw new Error('poll vanished')
    return { poll, closedAt: now + 1000 }
  }

  it('batches from an instance whose clock is still within the grace race the finalize of one that is past it: acknowledged = counted', async () => {
    for (let round = 0; round < 10; round++) {
      const { poll, closedAt } = await closedPoll()
      const batches: VoteRequest[][] = Array.from({ length: 8 }, (_, b) =>
        Array.from({ length: 25 }, (_, i) => ({ eventId: poll.eventId, pollId: poll.id, userId: `u${String(b)}-${String(i)}`, optionId: i % 2 === 0 ? 'o1' : 'o2' })),
      )
      const withinGrace = closedAt + GRACE - 1
      const pastGrace = closedAt + GRACE
      const results = await Promise.all([
        ...batches.slice(0, 4).map((b) => storeVotes(t.ctx.db, b, withinGrace, GRACE)),
        finalizeOnePoll(t.ctx.db, poll.id, pastGrace, GRACE),
        ...batches.slice(4).map((b) => storeVotes(t.ctx.db, b, withinGrace, GRACE)),
      ])
      const final = results[4] as PollRecord | null
      const stored = results.filter((_, i) => i !== 4).flat() as { ok: boolean; code?: string }[]
      expect(final).not.toBeNull()
      const acked = stored.filter((s) => s.ok).length
      // Every batch either ran before the finalize (all stored) or after it (all refused, nothing stored).
      expect(stored.every((s) => s.ok || s.code === 'POLL_NOT_OPEN')).toBe(true)
      expect(Object.values(final?.finalCounts ?? {}).reduce((a, n) => a + n, 0)).toBe(acked)
      const rows = await countVotes(t.ctx.db, poll.id)
      expect(Object.values(rows).reduce((a, n) => a + n, 0)).toBe(acked)
      expect(final?.finalCounts).toEqual({ o1: rows.o1 ?? 0, o2: rows.o2 ?? 0 })
      // And once final, no clock lets a vote in.
      const late = await storeVotes(t.ctx.db, [{ eventId: poll.eventId, pollId: poll.id, userId: 'late', optionId: 'o1' }], withinGrace, GRACE)
      expect(late).toEqual([{ ok: false, code: 'POLL_NOT_OPEN' }])
    }
  })

  it('finalizes once: a second instance finds nothing to do', async () => {
    const { poll, closedAt } = await closedPoll()
    const [a, b] = await Promise.all([finalizeOnePoll(t.ctx.db, poll.id, closedAt + GRACE, GRACE), finalizeOnePoll(t.ctx.db, poll.id, closedAt + GRACE + 7, GRACE)])
    expect([a, b].filter((x) => x !== null)).toHaveLength(1)
    expect(await finalizeOnePoll(t.ctx.db, poll.id, closedAt + GRACE, GRACE - 1)).toBeNull()
  })

  it('not before the grace has passed', async () => {
    const { poll, closedAt } = await closedPoll()
    expect(await finalizeOnePoll(t.ctx.db, poll.id, closedAt + GRACE - 1, GRACE)).toBeNull()
    expect((await pollById(t.ctx.db, poll.id))?.finalizedAtMs).toBeNull()
  })

  it('the pure transitions agree with the stored ones', async () => {
    const { poll } = await closedPoll()
    expect(openPoll(poll, t.clock.now()).ok).toBe(false)
    expect(closePoll(poll, t.clock.now())).toEqual({ ok: true, poll, changed: false })
  })
})
