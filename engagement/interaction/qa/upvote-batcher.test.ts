// Upvote batches under concurrency: every distinct account counted once, repeats refused, counts equal rows, no deadlock with moderation.
import { describe, it, expect, afterAll } from 'vitest'
import { makeApp } from '../../test-support.ts'
import { insertTestEvent } from '../../realtime/test-support.ts'
import { insertUser } from '../../accounts/users.ts'
import { applyModeration, type StoredQuestion } from './question-rules.ts'
import { insertQuestion, questionById, saveModeration } from './questions.ts'
import { upvoteBatcher } from './upvote-batcher.ts'

describe('upvote batcher', async () => {
  const t = await makeApp()
  afterAll(() => t.close())

  it('400 concurrent upvotes of 300 accounts on two questions (with repeats) while a moderator pins and unpins', async () => {
    const { eventId, userId } = await insertTestEvent(t.ctx.db)
    const users = Array.from({ length: 300 }, (_, i) => `u-batch-${String(i).padStart(4, '0')}`)
    for (const id of users) await insertUser(t.ctx.db, { id, email: `${id}@example.test`, passwordHash: 'x' })
    const q = (id: string): StoredQuestion => ({ id, eventId, userId, authorName: 'a', text: id, anonymous: false, status: 'approved', pinned: false, answeredAtMs: null, upvotes: 0, createdAtMs: t.clock.now() })
    await insertQuestion(t.ctx.db, q('q_one'), null)
    await insertQuestion(t.ctx.db, q('q_two'), null)
    const b = upvoteBatcher(t.ctx)
    // Every account upvotes q_one; the first 100 also q_two; the first 50 try q_one again at the same time.
    const items = [...users.map((u) => ['q_one', u]), ...users.slice(0, 100).map((u) => ['q_two', u]), ...users.slice(0, 50).map((u) => ['q_one', u])] as [string, string][]
    let moderating = true
    const moderation = (async () => {
      let n = 0
      while (moderating) {
        await t.ctx.db.tx(async (tx) => {
          const before = await questionById(tx, eventId, 'q_one', true)
          if (before === null) throw new Error('gone')
          const o = applyModeration(before, n % 2 === 0 ? 'pin' : 'unpin', t.clock.now())
          if (o.ok) await saveModeration(tx, o.next)
        })
        n++
        // A macrotask between transactions: PGlite runs one at a time, and the batches must get their turn.
        await new Promise((r) => setTimeout(r, 2))
      }
      return n
    })()
    const results = await Promise.all(items.map(([questionId, u]) => b.submit({ questionId, userId: u, nowMs: t.clock.now() })))
    moderating = false
    expect(await moderation).toBeGreaterThan(0)
    const ok = results.filter((r) => r.ok)
    expect(ok).toHaveLength(400)
    expect(results.filter((r) => !r.ok && r.code === 'ALREADY_UPVOTED')).toHaveLength(50)
    const rows = await t.ctx.db.query<{ id: string; upvotes: number; n: string }>(
      'SELECT q.id, q.upvotes, (SELECT count(*) FROM question_upvotes u WHERE u.question_id = q.id) AS n FROM questions q WHERE q.event_id = $1 ORDER BY q.id',
      [eventId],
    )
    expect(rows.map((r) => [r.id, Number(r.upvotes), Number(r.n)])).toEqual([
      ['q_one', 300, 300],
      ['q_two', 100, 100],
    ])
    // Each acknowledged upvote reports a total that includes it.
    const one = results.slice(0, 300).map((r) => (r.ok ? r.upvotes : 0))
    expect(Math.min(...one)).toBeGreaterThanOrEqual(1)
    expect(Math.max(...one)).toBe(300)
  })
})
