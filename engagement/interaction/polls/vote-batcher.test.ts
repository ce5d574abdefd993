import { describe, it, expect, afterAll } from 'vitest'
import { Batcher, BatcherClosedError } from './vote-batcher.ts'
import { makeApp } from '../../test-support.ts'
import { insertTestEvent } from '../../realtime/test-support.ts'
import { newOptions, type PollRecord } from './poll-state.ts'
import { countVotes, insertPoll, transitionPoll } from './polls.ts'
import { pollService } from './poll-service.ts'

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms))

describe('Batcher', () => {
  it('groups concurrent submissions into batches of at most maxItems and answers each caller with its own result', async () => {
    const sizes: number[] = []
    const b = new Batcher<number, number>({ maxItems: 100, delayMs: 5, maxInFlight: 1, run: async (xs) => (sizes.push(xs.length), xs.map((x) => x * 2)) })
    const out = await Promise.all(Array.from({ length: 1000 }, (_, i) => b.submit(i)))
    expect(out).toEqual(Array.from({ length: 1000 }, (_, i) => i * 2))
    expect(sizes.reduce((a, n) => a + n, 0)).toBe(1000)
    expect(Math.max(...sizes)).toBeLessThanOrEqual(100)
    expect(sizes.length).toBe(10)
  })

  it('a failed batch rejects every caller of that batch and no other', async () => {
    let calls = 0
    const b = new Batcher<string, string>({
      maxItems: 3,
      delayMs: 1,
      maxInFlight: 1,
      run: async (xs) => {
        calls += 1
        if (calls === 1) throw new Error('database gone')
        return xs
      },
    })
    const first = ['a', 'b', 'c'].map((x) => b.submit(x))
    const second = b.submit('d')
    const settled = await Promise.allSettled([...first, second])
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected', 'fulfilled'])
    expect(settled[0]).toMatchObject({ reason: new Error('database gone') })
  })

  it('a batch that answers for the wrong number of items fails its callers instead of mismatching them', async () => {
    const b = new Batcher<number, number>({ maxItems: 10, delayMs: 1, maxInFlight: 1, run: async (xs) => xs.slice(1) })
    const settled = await Promise.allSettled([b.submit(1), b.submit(2)])
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected'])
  })

  it('never runs more than maxInFlight batches at once; what arrives meanwhile joins the next batch', async () => {
    let running = 0
    let peak = 0
    const sizes: number[] = []
    const b = new Batcher<number, number>({
      maxItems: 1000,
      delayMs: 0,
      maxInFlight: 2,
      run: async (xs) => {
        running += 1
        peak = Math.max(peak, running)
        sizes.push(xs.length)
        await tick(10)
        running -= 1
        return xs
      },
    })
    const all: Promise<number>[] = []
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 50; i++) all.push(b.submit(round * 50 + i))
      await tick(3)
    }
    await Promise.all(all)
    expect(peak).toBe(2)
    expect(sizes.reduce((a, n) => a + n, 0)).toBe(250)
    expect(sizes.length).toBeLessThan(10)
  })

  it('starts a full batch at once without waiting for the delay', async () => {
    const b = new Batcher<number, number>({ maxItems: 4, delayMs: 60_000, maxInFlight: 1, run: async (xs) => xs })
    await expect(Promise.all([1, 2, 3, 4].map((x) => b.submit(x)))).resolves.toEqual([1, 2, 3, 4])
  })

  it('close runs what is queued, then refuses', async () => {
    const b = new Batcher<number, number>({ maxItems: 10, delayMs: 60_000, maxInFlight: 1, run: async (xs) => xs })
    const queued = b.submit(7)
    expect(b.pending).toBe(1)
    await b.close()
    await expect(queued).resolves.toBe(7)
    await expect(b.submit(8)).rejects.toBeInstanceOf(BatcherClosedError)
  })
})

describe('votes through the batcher into the database', async () => {
  const t = await makeApp({ pollVoteBatchMaxVotes: 100, pollVoteBatchDelayMs: 2, pollVotesPerAccountPerMin: 1000 })
  afterAll(() => t.close())
  const service = pollService(t.ctx)

  async function openPollWithVoters(voters: number): Promise<{ poll: PollRecord; users: string[] }> {
    const { eventId, userId } = await insertTestEvent(t.ctx.db)
    const poll: PollRecord = {
      id: `poll${Math.random().toString(36).slice(2, 12)}`,
      eventId,
      question: 'Which one?',
      options: newOptions(['A', 'B', 'C']),
      status: 'draft',
      audience: 'everyone',
      durationSec: null,
      openedAtMs: null,
      closesAtMs: null,
      closedAtMs: null,
      finalizedAtMs: null,
      finalCounts: null,
      createdBy: userId,
      createdAtMs: t.clock.now(),
    }
    await insertPoll(t.ctx.db, poll)
    expect((await transitionPoll(t.ctx.db, eventId, poll.id, 'open', t.clock.now())).ok).toBe(true)
    const users = Array.from({ length: voters }, (_, i) => `voter-${poll.id}-${String(i)}`)
    await t.ctx.db.query("INSERT INTO users (id, email, password_hash) SELECT u, u || '@example.test', 'x' FROM unnest($1::text[]) AS u", [users])
    return { poll, users }
  }

  it('1,000 concurrent votes of distinct accounts are all acknowledged and each counted once', async () => {
    const { poll, users } = await openPollWithVoters(1000)
    const outcomes = await Promise.all(users.map((userId, i) => service.vote({ eventId: poll.eventId, pollId: poll.id, userId, optionId: `o${String((i % 3) + 1)}` })))
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1000)
    expect(await countVotes(t.ctx.db, poll.id)).toEqual({ o1: 334, o2: 333, o3: 333 })
    expect(service.tally.own(poll.id)).toEqual({ o1: 334, o2: 333, o3: 333 })
    const counts = await service.liveCounts([poll.id])
    expect(counts.get(poll.id)).toEqual({ o1: 334, o2: 333, o3: 333 })
  })

  it('concurrent duplicate votes of one account: exactly one is accepted, the rest are ALREADY_VOTED', async () => {
    const { poll, users } = await openPollWithVoters(1)
    const userId = users[0] ?? ''
    // 250 tries over several batches (at most 100 per batch), with different options.
    const outcomes = await Promise.all(Array.from({ length: 250 }, (_, i) => service.vote({ eventId: poll.eventId, pollId: poll.id, userId, optionId: `o${String((i % 3) + 1)}` })))
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1)
    expect(outcomes.filter((o) => !o.ok && o.code === 'ALREADY_VOTED')).toHaveLength(249)
    const stored = await countVotes(t.ctx.db, poll.id)
    expect(Object.values(stored)).toEqual([1])
    expect(service.tally.own(poll.id)).toEqual(stored)
  })

  it('one batch mixing good votes and refusals answers each vote on its own', async () => {
    const { poll, users } = await openPollWithVoters(3)
    const [u1 = '', u2 = '', u3 = ''] = users
    const other = await openPollWithVoters(0)
    const outcomes = await Promise.all([
      service.vote({ eventId: poll.eventId, pollId: poll.id, userId: u1, optionId: 'o1' }),
      service.vote({ eventId: poll.eventId, pollId: poll.id, userId: u2, optionId: 'o9' }),
      service.vote({ eventId: poll.eventId, pollId: 'nonexistent-poll', userId: u3, optionId: 'o1' }),
      service.vote({ eventId: other.poll.eventId, pollId: poll.id, userId: u3, optionId: 'o1' }),
      service.vote({ eventId: poll.eventId, pollId: poll.id, userId: u1, optionId: 'o2' }),
      service.vote({ eventId: poll.eventId, pollId: poll.id, userId: u3, optionId: 'o3' }),
    ])
    expect(outcomes).toEqual([
      { ok: true },
      { ok: false, code: 'UNKNOWN_OPTION' },
      { ok: false, code: 'POLL_NOT_FOUND' },
      { ok: false, code: 'POLL_NOT_FOUND' },
      { ok: false, code: 'ALREADY_VOTED' },
      { ok: true },
    ])
    expect(await countVotes(t.ctx.db, poll.id)).toEqual({ o1: 1, o3: 1 })
  })
})
