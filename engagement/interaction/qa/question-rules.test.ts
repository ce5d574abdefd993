// Q&A rules: moderation transitions, ranking (pinned first; top = upvotes then older; new = newest), audience renderings.
import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { applyModeration, compareQuestions, initialStatus, moderatorView, publicChange, publicView, rankQuestions, type ModerationAction, type StoredQuestion } from './question-rules.ts'

const NOW = 1_800_000_000_000
const q = (over: Partial<StoredQuestion> = {}): StoredQuestion => ({
  id: 'q1',
  eventId: 'ev',
  userId: 'u1',
  authorName: 'viewer-abcd',
  text: 'Why?',
  anonymous: false,
  status: 'approved',
  pinned: false,
  answeredAtMs: null,
  upvotes: 0,
  createdAtMs: NOW - 1000,
  ...over,
})

describe('applyModeration', () => {
  it.each<[string, Partial<StoredQuestion>, ModerationAction, string]>([
    ['approve pending', { status: 'pending' }, 'approve', 'approved changed'],
    ['approve rejected', { status: 'rejected' }, 'approve', 'approved changed'],
    ['approve approved', {}, 'approve', 'approved same'],
    ['reject approved unpins', { pinned: true }, 'reject', 'rejected changed unpinned'],
    ['pin approved', {}, 'pin', 'approved changed pinned'],
    ['pin pending', { status: 'pending' }, 'pin', 'QUESTION_NOT_APPROVED'],
    ['unpin', { pinned: true }, 'unpin', 'approved changed'],
    ['answer pending', { status: 'pending' }, 'answer', 'QUESTION_NOT_APPROVED'],
    ['answer rejected', { status: 'rejected' }, 'answer', 'QUESTION_NOT_APPROVED'],
    ['answer approved', {}, 'answer', 'approved changed answered'],
  ])('%s', (_n, over, action, want) => {
    const o = applyModeration(q(over), action, NOW)
    if (!o.ok) return void expect(o.code).toBe(want)
    const s = [o.next.status, o.changed ? 'changed' : 'same', ...(o.next.pinned ? ['pinned'] : []), ...(o.next.answeredAtMs === NOW ? ['answered'] : [])]
    if (action === 'reject') s.push('unpinned')
    expect(s.join(' ')).toBe(want)
  })

  it('a second answer keeps the first stamp', () => {
    const o = applyModeration(q({ answeredAtMs: NOW - 5000 }), 'answer', NOW)
    expect(o).toMatchObject({ ok: true, changed: false, next: { answeredAtMs: NOW - 5000 } })
    expect([initialStatus(true), initialStatus(false)]).toEqual(['pending', 'approved'])
  })
})

const arbQ = fc.record({ id: fc.string({ minLength: 1, maxLength: 4 }), pinned: fc.boolean(), upvotes: fc.nat(5), createdAtMs: fc.integer({ min: 0, max: 20 }) })

describe('ranking', () => {
  it('top: pinned first, then most upvotes, then older first; new: pinned first, then newest first', () => {
    const qs = [
      { id: 'a', pinned: false, upvotes: 5, createdAtMs: 3 },
      { id: 'b', pinned: true, upvotes: 0, createdAtMs: 1 },
      { id: 'c', pinned: false, upvotes: 5, createdAtMs: 2 },
      { id: 'd', pinned: false, upvotes: 9, createdAtMs: 4 },
    ]
    expect(rankQuestions(qs, 'top').map((x) => x.id)).toEqual(['b', 'd', 'c', 'a'])
    expect(rankQuestions(qs, 'new').map((x) => x.id)).toEqual(['b', 'd', 'a', 'c'])
  })

  it('is a total order consistent with the rules, and independent of the input order', () => {
    fc.assert(
      fc.property(fc.uniqueArray(arbQ, { selector: (x) => x.id, maxLength: 30 }), fc.constantFrom('top' as const, 'new' as const), (qs, sort) => {
        const ranked = rankQuestions(qs, sort)
        expect(rankQuestions([...qs].reverse(), sort)).toEqual(ranked)
        for (let i = 1; i < ranked.length; i++) {
          const a = ranked[i - 1] as (typeof ranked)[number]
          const b = ranked[i] as (typeof ranked)[number]
          expect(compareQuestions(sort)(a, b)).toBeLessThan(0)
          if (a.pinned !== b.pinned) expect(a.pinned).toBe(true)
          else if (sort === 'top') expect(a.upvotes > b.upvotes || (a.upvotes === b.upvotes && a.createdAtMs <= b.createdAtMs)).toBe(true)
          else expect(a.createdAtMs).toBeGreaterThanOrEqual(b.createdAtMs)
        }
      }),
    )
  })
})

describe('renderings', () => {
  it('the audience never sees the author of an anonymous question, nor pending or rejected text', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.constantFrom('pending' as const, 'approved' as const, 'rejected' as const), fc.constantFrom('pending' as const, 'approved' as const, 'rejected' as const), (anonymous, before, after) => {
        const b = q({ anonymous, status: before })
        const a = q({ anonymous, status: after })
        expect(moderatorView(a).author).toEqual({ userId: 'u1', displayName: 'viewer-abcd' })
        const pub = publicChange(b, a)
        if (pub !== null) {
          if (anonymous || after !== 'approved') expect(pub.author).toBeNull()
          if (after !== 'approved') expect(pub).toMatchObject({ text: '', status: after })
          expect(JSON.stringify(pub)).not.toContain(anonymous || after !== 'approved' ? 'u1' : '\u0000')
        }
        expect(pub === null).toBe(after !== 'approved' && before !== 'approved')
        expect(publicView(a) === null).toBe(after !== 'approved')
      }),
    )
  })
})
