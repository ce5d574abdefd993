// The live-state reducer: ordered items deduplicated by seq, gap + snapshot resets, polls never move backwards.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import type { ChatMessage, Poll, Question } from '../../../common/wire/interaction.ts'
import type { ServerMessage, SnapshotMsg } from '../../../common/wire/realtime.ts'
import { CHAT_KEEP, INITIAL_STATE, currentPoll, pollRank, reduce, visibleQuestions, withPolls, type EventState } from './state.ts'

const T0 = Date.parse('2026-12-03T10:00:00Z')
const iso = (ms: number): string => new Date(T0 + ms).toISOString()

function poll(over: Partial<Poll> = {}): Poll {
  return {
    id: 'p1', eventId: 'ev', status: 'open', question: 'Best song?', audience: 'everyone', durationSec: null,
    options: [{ id: 'a', text: 'A', votes: 0 }, { id: 'b', text: 'B', votes: 0 }], totalVotes: 0,
    openedAt: iso(0), closesAt: null, closedAt: null, votesAcceptedUntil: null, final: false, createdAt: iso(-1000), ...over,
  }
}

function question(id: string, over: Partial<Question> = {}): Question {
  return { id, eventId: 'ev', text: `q ${id}`, anonymous: false, author: { userId: 'u1', displayName: 'viewer-1' }, status: 'approved', pinned: false, answeredAt: null, upvotes: 0, createdAt: iso(0), ...over }
}

const chat = (id: string, ms = 0): ChatMessage => ({ id, eventId: 'ev', author: { userId: 'u2', displayName: 'viewer-2' }, text: `hello ${id}`, createdAt: iso(ms) })

const applyAll = (msgs: readonly ServerMessage[], from: EventState = INITIAL_STATE): EventState => msgs.reduce(reduce, from)

/** The parts of the state the feed and snapshots build (not role, user or presence). */
const content = (s: EventState) => ({ seq: s.seq, polls: s.polls, questions: s.questions, chat: s.chat, settings: s.settings, reports: s.reports, restrictions: s.restrictions })

type Ordered = Extract<ServerMessage, { seq: number; type: 'question' | 'chat' | 'chat.deleted' | 'moderation' }>

/** Ordered items on few ids (so updates, deletes and unbans hit earlier items), seq assigned later. */
const orderedBody: fc.Arbitrary<(seq: number) => Ordered> = fc.oneof(
  fc.record({ id: fc.constantFrom('q1', 'q2', 'q3'), up: fc.nat(20), pinned: fc.boolean(), status: fc.constantFrom('pending', 'approved', 'rejected') as fc.Arbitrary<Question['status']> })
    .map(({ id, up, pinned, status }) => (seq: number): Ordered => ({ type: 'question', seq, question: question(id, { upvotes: up, pinned, status }) })),
  fc.constantFrom('c1', 'c2', 'c3', 'c4').map((id) => (seq: number): Ordered => ({ type: 'chat', seq, message: chat(id, seq) })),
  fc.constantFrom('c1', 'c2', 'c3', 'c4').map((id) => (seq: number): Ordered => ({ type: 'chat.deleted', seq, messageId: id })),
  fc.record({ action: fc.constantFrom('timeout', 'ban', 'unban') as fc.Arbitrary<'timeout' | 'ban' | 'unban'>, user: fc.constantFrom('u1', 'u2') })
    .map(({ action, user }) => (seq: number): Ordered => ({ type: 'moderation', seq, action, userId: user, ...(action === 'timeout' ? { until: iso(60_000) } : {}) })),
  fc.nat(30).map((slow) => (seq: number): Ordered => ({ type: 'moderation', seq, action: 'settings', settings: { slowModeSec: slow, qaPremoderation: true, blockedWords: [] } })),
  fc.constantFrom('c1', 'c2').map((id) => (seq: number): Ordered => ({ type: 'moderation', seq, action: 'report', messageId: id, reason: 'spam' })),
)

/** A feed: increasing seqs with holes (items another audience sees). */
const feed: fc.Arbitrary<Ordered[]> = fc.array(fc.tuple(orderedBody, fc.integer({ min: 1, max: 3 })), { maxLength: 40 }).map((items) => {
  let seq = 0
  return items.map(([make, step]) => make((seq += step)))
})

describe('reduce: ordered items', () => {
  it('property: delivering the feed in seq order with duplicates anywhere after their first copy gives the same state', () => {
    fc.assert(
      fc.property(feed, fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 30 }), (items, dups) => {
        const delivered: ServerMessage[] = [...items]
        // A duplicate of item i goes somewhere after its first copy (a resume overlapping live delivery).
        for (const [a, b] of dups) {
          if (items.length === 0) break
          const i = a % items.length
          const first = delivered.indexOf(items[i] as Ordered)
          const at = first + 1 + (b % (delivered.length - first))
          delivered.splice(at, 0, structuredClone(items[i] as Ordered))
        }
        expect(content(applyAll(delivered))).toEqual(content(applyAll(items)))
      }),
    )
  })

  it('property: gap then snapshot gives exactly the snapshot, whatever came before', () => {
    const snapshot: fc.Arbitrary<SnapshotMsg> = fc.record({
      seq: fc.nat(200),
      chat: fc.uniqueArray(fc.constantFrom('c1', 'c5', 'c6'), { maxLength: 3 }),
      qs: fc.uniqueArray(fc.constantFrom('q1', 'q9'), { maxLength: 2 }),
      open: fc.boolean(),
    }).map(({ seq, chat: ids, qs, open }) => ({
      type: 'snapshot', seq, chat: ids.map((id) => chat(id)), questions: qs.map((id) => question(id)),
      polls: open ? [poll()] : [], settings: { slowModeSec: 5, qaPremoderation: false, blockedWords: ['x'] },
    }))
    fc.assert(
      fc.property(feed, snapshot, (items, snap) => {
        const before = applyAll([{ type: 'poll', poll: poll({ id: 'old', status: 'closed', final: true }) }, ...items])
        const gapped = reduce(before, { type: 'gap', afterSeq: before.seq, oldestSeq: before.seq + 100 })
        expect(gapped.resyncing).toBe(true)
        const after = reduce(gapped, snap)
        expect(after.resyncing).toBe(false)
        expect(after.based).toBe(true)
        expect(content(after)).toEqual(content(reduce(INITIAL_STATE, snap)))
      }),
    )
  })

  it('items at or below the current seq are ignored; holes are fine', () => {
    const s = applyAll([{ type: 'chat', seq: 5, message: chat('c1') }, { type: 'chat', seq: 3, message: chat('c2') }, { type: 'chat', seq: 9, message: chat('c3') }])
    expect(s.chat.map((c) => c.id)).toEqual(['c1', 'c3'])
    expect(s.seq).toBe(9)
  })

  it('chat.deleted removes the message; chat keeps only the newest lines', () => {
    const many = Array.from({ length: CHAT_KEEP + 5 }, (_, i): ServerMessage => ({ type: 'chat', seq: i + 1, message: chat(`c${i}`) }))
    let s = applyAll(many)
    expect(s.chat).toHaveLength(CHAT_KEEP)
    expect(s.chat[0]?.id).toBe('c5')
    s = reduce(s, { type: 'chat.deleted', seq: 999, messageId: 'c7' })
    expect(s.chat.some((c) => c.id === 'c7')).toBe(false)
    expect(s.chat).toHaveLength(CHAT_KEEP - 1)
  })

  it('moderation: settings replace, bans and timeouts recorded, unban clears, reports listed', () => {
    const s = applyAll([
      { type: 'moderation', seq: 1, action: 'settings', settings: { slowModeSec: 10, qaPremoderation: false, blockedWords: ['boo'] } },
      { type: 'moderation', seq: 2, action: 'ban', userId: 'u1' },
      { type: 'moderation', seq: 3, action: 'timeout', userId: 'u2', until: iso(10_000) },
      { type: 'moderation', seq: 4, action: 'unban', userId: 'u1' },
      { type: 'moderation', seq: 5, action: 'report', messageId: 'c1', reason: 'rude' },
    ])
    expect(s.settings?.slowModeSec).toBe(10)
    expect(s.restrictions).toEqual({ u2: { kind: 'timeout', until: iso(10_000) } })
    expect(s.reports).toEqual([{ seq: 5, messageId: 'c1', reason: 'rude' }])
  })
})

describe('reduce: unordered messages', () => {
  it('property: a poll never moves back in its life cycle, whatever order its messages arrive in', () => {
    const stages = [poll({ status: 'draft', openedAt: null }), poll({ totalVotes: 3 }), poll({ status: 'closed', closedAt: iso(5000) }), poll({ status: 'closed', closedAt: iso(5000), final: true, totalVotes: 7 })]
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...stages), { minLength: 1, maxLength: 12 }), (arrivals) => {
        const s = applyAll(arrivals.map((p): ServerMessage => ({ type: 'poll', poll: p })))
        const best = Math.max(...arrivals.map(pollRank))
        expect(pollRank(s.polls.p1 as Poll)).toBe(best)
        // Within the best stage, the latest arrival wins.
        expect(s.polls.p1).toEqual(arrivals.filter((p) => pollRank(p) === best).at(-1))
      }),
    )
  })

  it('property: upvote counts take the largest seen, from ticks and ordered items alike', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(50)), { maxLength: 20 }), (events) => {
        let seq = 1
        const msgs: ServerMessage[] = [{ type: 'question', seq: 1, question: question('q1') }]
        for (const [tick, n] of events) msgs.push(tick ? { type: 'question.votes', counts: { q1: n } } : { type: 'question', seq: ++seq, question: question('q1', { upvotes: n }) })
        expect(applyAll(msgs).questions.q1?.upvotes).toBe(Math.max(0, ...events.map(([, n]) => n)))
      }),
    )
  })

  it('hello sets role and user; presence sets the viewer count; REST polls merge by the same rule', () => {
    let s = applyAll([{ type: 'hello', eventId: 'ev', seq: 4, serverTime: T0, role: 'viewer', userId: 'u1' }, { type: 'presence', viewers: 1234 }])
    expect([s.role, s.userId, s.viewers, s.seq]).toEqual(['viewer', 'u1', 1234, 0])
    s = reduce(s, { type: 'poll', poll: poll({ status: 'closed', closedAt: iso(1) }) })
    expect(withPolls(s, [poll({ status: 'open' })]).polls.p1?.status).toBe('closed')
  })
})

describe('views', () => {
  it('currentPoll: the newest open poll, else the latest closed one; drafts never', () => {
    const polls = {
      d: poll({ id: 'd', status: 'draft' }),
      c1: poll({ id: 'c1', status: 'closed', closedAt: iso(10) }),
      c2: poll({ id: 'c2', status: 'closed', closedAt: iso(20) }),
    }
    expect(currentPoll(polls)?.id).toBe('c2')
    expect(currentPoll({ ...polls, o: poll({ id: 'o', openedAt: iso(5) }) })?.id).toBe('o')
    expect(currentPoll({ d: polls.d })).toBeNull()
  })

  it('visibleQuestions: approved only, pinned first, top by upvotes then older, new by newest', () => {
    const qs = {
      a: question('a', { upvotes: 5, createdAt: iso(1) }),
      b: question('b', { upvotes: 9, createdAt: iso(2) }),
      c: question('c', { upvotes: 5, createdAt: iso(0) }),
      p: question('p', { pinned: true, createdAt: iso(3) }),
      x: question('x', { status: 'pending', upvotes: 99 }),
    }
    expect(visibleQuestions(qs, 'top').map((q) => q.id)).toEqual(['p', 'b', 'c', 'a'])
    expect(visibleQuestions(qs, 'new').map((q) => q.id)).toEqual(['p', 'b', 'a', 'c'])
    expect(visibleQuestions(qs, 'top', true).map((q) => q.id)).toContain('x')
  })
})
