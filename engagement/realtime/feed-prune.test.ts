// The feed prune: the pure plan (table tests) and one run on the real stores (window kept, seq goes on, ended events emptied).
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { makeApp, type TestApp } from '../test-support.ts'
import { insertTestEvent } from './test-support.ts'
import { chatItem } from './test-gateway.ts'
import { lastFeedSeq, readFeed } from './feed.ts'
import { feedPrunePolicy, planFeedPrune, pruneFeedOnce, type FeedPrunePolicy } from './feed-prune.ts'
import { planResume } from './resume.ts'

const backend = process.env.DATABASE_URL !== undefined && process.env.DATABASE_URL !== '' ? 'postgres+redis' : 'embedded'
const POLICY: FeedPrunePolicy = { historyItems: 10, marginItems: 1, retentionAfterEndMs: 60_000, batchRows: 4, maxBatches: 100 }
const row = (over: Partial<Parameters<typeof planFeedPrune>[0][number]> = {}): Parameters<typeof planFeedPrune>[0][number] => ({
  eventId: 'e', lastSeq: 30, oldestSeq: 1, ended: false, endedSeenAtMs: null, ...over,
})

describe('planFeedPrune', () => {
  const cases: [string, ReturnType<typeof row>, number, { deletes: [number, number][]; mark: string[]; unmark: string[] }][] = [
    // window = seqs 21..30, margin 1 → keep from 20; rows 1..19 go in batches of 4.
    ['live event past its window', row(), 0, { deletes: [[1, 5], [5, 9], [9, 13], [13, 17], [17, 20]], mark: [], unmark: [] }],
    ['inside the window: nothing', row({ lastSeq: 8 }), 0, { deletes: [], mark: [], unmark: [] }],
    ['already pruned to the window', row({ oldestSeq: 20 }), 0, { deletes: [], mark: [], unmark: [] }],
    ['no rows left', row({ oldestSeq: null }), 0, { deletes: [], mark: [], unmark: [] }],
    ['ended, first seen now: recorded, window kept', row({ ended: true, oldestSeq: 20 }), 1000, { deletes: [], mark: ['e'], unmark: [] }],
    ['ended, seen less than the retention ago', row({ ended: true, endedSeenAtMs: 0, oldestSeq: 20 }), 59_999, { deletes: [], mark: [], unmark: [] }],
    ['ended past the retention: every row', row({ ended: true, endedSeenAtMs: 0, oldestSeq: 20 }), 60_000, { deletes: [[20, 24], [24, 28], [28, 31]], mark: [], unmark: [] }],
    ['live again after an end: record dropped', row({ endedSeenAtMs: 5, oldestSeq: 20 }), 0, { deletes: [], mark: [], unmark: ['e'] }],
  ]
  it.each(cases)('%s', (_name, r, now, want) => {
    const plan = planFeedPrune([r], POLICY, now)
    expect(plan.deletes.map((d) => [d.fromSeq, d.belowSeq])).toEqual(want.deletes)
    expect(plan.markEnded).toEqual(want.mark)
    expect(plan.unmarkEnded).toEqual(want.unmark)
  })

  it('never plans a row a resume inside the window needs, and stops at maxBatches', () => {
    for (let lastSeq = 1; lastSeq <= 60; lastSeq++) {
      const plan = planFeedPrune([row({ lastSeq })], POLICY, 0)
      const deleted = new Set(plan.deletes.flatMap((d) => Array.from({ length: d.belowSeq - d.fromSeq }, (_, k) => d.fromSeq + k)))
      for (let after = 0; after <= lastSeq; after++) {
        const p = planResume(after, lastSeq, POLICY.historyItems)
        if (p.kind === 'replay') for (let s = after + 1; s <= lastSeq; s++) expect(deleted.has(s)).toBe(false)
      }
    }
    expect(planFeedPrune([row({ lastSeq: 1000 })], { ...POLICY, maxBatches: 3 }, 0).deletes).toHaveLength(3)
  })
})

describe(`feed prune on the stores (${backend})`, () => {
  let t: TestApp
  beforeAll(async () => {
    t = await makeApp({ gatewayHistoryItems: 10, feedRetentionAfterEndSec: 60 })
  })
  afterAll(async () => t.close())
  const append = async (eventId: string, n: number): Promise<void> => {
    for (let i = 0; i < n; i++) await t.ctx.realtime.withFeed(eventId, async (_q, add) => add(chatItem(eventId, i).draft))
  }
  const seqs = async (eventId: string): Promise<number[]> => (await readFeed(t.ctx.db, eventId, 0, 1_000_000, 1_000_000)).map((i) => i.seq)

  it('keeps the window and its margin, and the next item still gets the next seq', async () => {
    const { eventId } = await insertTestEvent(t.ctx.db)
    await append(eventId, 30)
    const r = await pruneFeedOnce(t.ctx.db, feedPrunePolicy(t.ctx.config), t.clock.now())
    // window 21..30, margin ceil(10 / 10) = 1 → 20..30 stay.
    expect(r.deletedRows).toBe(19)
    expect(await seqs(eventId)).toEqual(Array.from({ length: 11 }, (_, i) => 20 + i))
    expect((await pruneFeedOnce(t.ctx.db, feedPrunePolicy(t.ctx.config), t.clock.now())).deletedRows).toBe(0)
    await append(eventId, 1)
    expect(await lastFeedSeq(t.ctx.db, eventId)).toBe(31)
    expect((await seqs(eventId)).at(-1)).toBe(31)
  })

  it('empties an ended event once the retention has passed since the job saw the end, counter kept', async () => {
    const { eventId } = await insertTestEvent(t.ctx.db)
    await append(eventId, 5)
    await t.ctx.db.query("UPDATE events SET status = 'ended' WHERE id = $1", [eventId])
    const policy = feedPrunePolicy(t.ctx.config)
    await pruneFeedOnce(t.ctx.db, policy, t.clock.now())
    expect(await seqs(eventId)).toHaveLength(5)
    t.clock.advance(59_000)
    await pruneFeedOnce(t.ctx.db, policy, t.clock.now())
    expect(await seqs(eventId)).toHaveLength(5)
    t.clock.advance(1_000)
    await pruneFeedOnce(t.ctx.db, policy, t.clock.now())
    expect(await seqs(eventId)).toEqual([])
    expect(await lastFeedSeq(t.ctx.db, eventId)).toBe(5)
  })
})
