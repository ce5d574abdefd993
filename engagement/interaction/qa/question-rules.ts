// Pure Q&A rules: the moderation state machine, the top/new ranking, and what the audience and moderators each see.
import type { ModerateQuestionBody, Question } from '../../../common/wire/interaction.ts'

/** A question as stored, with what only moderators may see. */
export interface StoredQuestion {
  id: string
  eventId: string
  userId: string
  authorName: string
  text: string
  anonymous: boolean
  status: Question['status']
  pinned: boolean
  answeredAtMs: number | null
  upvotes: number
  createdAtMs: number
}

/** A moderation action. */
export type ModerationAction = ModerateQuestionBody['action']

/** Outcome of {@link applyModeration}: the next state (unchanged when the action was already in effect) or a refusal. */
export type ModerationOutcome = { ok: true; next: StoredQuestion; changed: boolean } | { ok: false; code: 'QUESTION_NOT_APPROVED'; message: string }

/**
 * The moderation state machine. `approve` and `reject` move between the three states (rejecting
 * also unpins). `pin`, `unpin` and `answer` act on approved questions only; `answer` stamps the
 * wall-clock moment once (a second `answer` keeps the first stamp).
 */
export function applyModeration(q: StoredQuestion, action: ModerationAction, nowMs: number): ModerationOutcome {
  const same = (next: StoredQuestion): ModerationOutcome => ({
    ok: true,
    next,
    changed: next.status !== q.status || next.pinned !== q.pinned || next.answeredAtMs !== q.answeredAtMs,
  })
  switch (action) {
    case 'approve':
      return same({ ...q, status: 'approved' })
    case 'reject':
      return same({ ...q, status: 'rejected', pinned: false })
    case 'pin':
    case 'unpin':
    case 'answer':
      if (q.status !== 'approved') return { ok: false, code: 'QUESTION_NOT_APPROVED', message: `only approved questions can be ${action === 'answer' ? 'answered' : `${action}ned`}` }
      if (action === 'answer') return same({ ...q, answeredAtMs: q.answeredAtMs ?? nowMs })
      return same({ ...q, pinned: action === 'pin' })
  }
}

/** The state a new question starts in. */
export function initialStatus(premoderation: boolean): Question['status'] {
  return premoderation ? 'pending' : 'approved'
}

/** List order. */
export type QuestionSort = 'top' | 'new'

type Rankable = Pick<StoredQuestion, 'id' | 'pinned' | 'upvotes' | 'createdAtMs'>

/**
 * Compares for display: pinned questions first; then `top` = most upvotes first, equal counts
 * older first; `new` = newest first. The id breaks remaining ties so the order is total.
 */
export function compareQuestions(sort: QuestionSort): (a: Rankable, b: Rankable) => number {
  return (a, b) => {
    if (a.pinned !== b.pinned) return a.pinned ? -1 : 1
    if (sort === 'top') {
      if (a.upvotes !== b.upvotes) return b.upvotes - a.upvotes
      if (a.createdAtMs !== b.createdAtMs) return a.createdAtMs - b.createdAtMs
      return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
    }
    if (a.createdAtMs !== b.createdAtMs) return b.createdAtMs - a.createdAtMs
    return a.id < b.id ? 1 : a.id > b.id ? -1 : 0
  }
}

/** A sorted copy. */
export function rankQuestions<T extends Rankable>(qs: readonly T[], sort: QuestionSort): T[] {
  return [...qs].sort(compareQuestions(sort))
}

const iso = (ms: number): string => new Date(ms).toISOString()

/** What moderators see: always the author. */
export function moderatorView(q: StoredQuestion): Question {
  return {
    id: q.id,
    eventId: q.eventId,
    text: q.text,
    anonymous: q.anonymous,
    author: { userId: q.userId, displayName: q.authorName },
    status: q.status,
    pinned: q.pinned,
    answeredAt: q.answeredAtMs === null ? null : iso(q.answeredAtMs),
    upvotes: q.upvotes,
    createdAt: iso(q.createdAtMs),
  }
}

/**
 * What the audience sees of an approved question: no author when it was asked anonymously.
 * Null for pending and rejected questions.
 */
export function publicView(q: StoredQuestion): Question | null {
  if (q.status !== 'approved') return null
  const v = moderatorView(q)
  return q.anonymous ? { ...v, author: null } : v
}

/** What the asker sees of their own question in any state (anonymous ones keep their author for them). */
export function ownView(q: StoredQuestion): Question {
  return moderatorView(q)
}

/**
 * The audience's rendering of a change from `before` to `after`: the new public view; a tombstone
 * (status `rejected`, no text, no author) when an approved question is taken back, so screens drop
 * it without learning anything; null when the audience never saw it and still must not.
 */
export function publicChange(before: StoredQuestion | null, after: StoredQuestion): Question | null {
  const now = publicView(after)
  if (now !== null) return now
  if (before === null || before.status !== 'approved') return null
  return { ...moderatorView(after), text: '', author: null, pinned: false, upvotes: 0 }
}
