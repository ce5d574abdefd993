// Pure reducer of one event's live state: gateway messages in (in arrival order), polls, questions, chat, settings and presence out.
import type { ChatMessage, ChatSettings, Poll, Question } from '../../../common/wire/interaction.ts'
import type { ConnectionRole, ServerMessage, SnapshotMsg } from '../../../common/wire/realtime.ts'

/** Chat lines kept in memory (the newest); older ones scroll away. */
export const CHAT_KEEP = 200
/** Reports kept for the moderator console (the newest). */
export const REPORTS_KEEP = 200

/** A reported chat message, as moderators see it arrive (`moderation` action `report`). */
export interface ChatReportItem {
  seq: number
  messageId: string
  reason: string
}

/** A ban or timeout the feed announced. */
export interface UserRestriction {
  kind: 'timeout' | 'ban'
  /** End of a timeout (ISO); null for a ban. */
  until: string | null
}

/** Everything the panels show about one event. Immutable: every change makes a new object. */
export interface EventState {
  /** Newest ordered item applied (or the snapshot's seq); a resume asks for everything after it. */
  seq: number
  /** True once a snapshot gave the state a complete base. */
  based: boolean
  /** A `gap` arrived and its `snapshot` has not yet. */
  resyncing: boolean
  role: ConnectionRole
  userId: string | null
  polls: Readonly<Record<string, Poll>>
  questions: Readonly<Record<string, Question>>
  /** Oldest first, at most {@link CHAT_KEEP}. */
  chat: readonly ChatMessage[]
  settings: ChatSettings | null
  /** Live audience size over all instances; null until the first `presence`. */
  viewers: number | null
  /** Moderators only: reports seen since the base, newest last. */
  reports: readonly ChatReportItem[]
  /** Bans and timeouts announced since the base, by user id. */
  restrictions: Readonly<Record<string, UserRestriction>>
}

/** The state before any message. */
export const INITIAL_STATE: EventState = {
  seq: 0,
  based: false,
  resyncing: false,
  role: 'guest',
  userId: null,
  polls: {},
  questions: {},
  chat: [],
  settings: null,
  viewers: null,
  reports: [],
  restrictions: {},
}

const STATUS_RANK = { draft: 0, open: 1, closed: 2 } as const

/**
 * A poll's place in its life cycle (draft < open < closed < closed and final). Poll messages are
 * unordered (tick snapshots, publishes from several instances), so an older stage never replaces a
 * newer one; within a stage the latest message wins.
 */
export function pollRank(p: Poll): number {
  return STATUS_RANK[p.status] * 2 + (p.final ? 1 : 0)
}

function mergePoll(polls: Readonly<Record<string, Poll>>, poll: Poll): Readonly<Record<string, Poll>> {
  const old = polls[poll.id]
  if (old !== undefined && pollRank(poll) < pollRank(old)) return polls
  return { ...polls, [poll.id]: poll }
}

/** Upvotes only grow (one per account, never withdrawn), so the larger count is the newer one. */
function mergeQuestion(questions: Readonly<Record<string, Question>>, q: Question): Readonly<Record<string, Question>> {
  const old = questions[q.id]
  return { ...questions, [q.id]: old === undefined ? q : { ...q, upvotes: Math.max(old.upvotes, q.upvotes) } }
}

function fromSnapshot(s: EventState, m: SnapshotMsg): EventState {
  return {
    ...s,
    seq: m.seq,
    based: true,
    resyncing: false,
    polls: Object.fromEntries(m.polls.map((p) => [p.id, p])),
    questions: Object.fromEntries(m.questions.map((q) => [q.id, q])),
    chat: m.chat.slice(-CHAT_KEEP),
    settings: m.settings,
    reports: [],
    restrictions: {},
  }
}

/** Applies one ordered item whose seq is newer than the state's. */
function applyOrdered(s: EventState, m: Extract<ServerMessage, { seq: number; type: 'question' | 'chat' | 'chat.deleted' | 'moderation' }>): EventState {
  const next = { ...s, seq: m.seq }
  switch (m.type) {
    case 'question':
      return { ...next, questions: mergeQuestion(s.questions, m.question) }
    case 'chat':
      if (s.chat.some((c) => c.id === m.message.id)) return next
      return { ...next, chat: [...s.chat, m.message].slice(-CHAT_KEEP) }
    case 'chat.deleted':
      return { ...next, chat: s.chat.filter((c) => c.id !== m.messageId) }
    case 'moderation': {
      if (m.action === 'settings' && m.settings !== undefined) return { ...next, settings: m.settings }
      if (m.action === 'report' && m.messageId !== undefined) {
        return { ...next, reports: [...s.reports, { seq: m.seq, messageId: m.messageId, reason: m.reason ?? '' }].slice(-REPORTS_KEEP) }
      }
      if (m.userId === undefined) return next
      if (m.action === 'unban') {
        const gone = m.userId
        return { ...next, restrictions: Object.fromEntries(Object.entries(s.restrictions).filter(([id]) => id !== gone)) }
      }
      if (m.action === 'ban' || m.action === 'timeout') {
        return { ...next, restrictions: { ...s.restrictions, [m.userId]: { kind: m.action, until: m.until ?? null } } }
      }
      return next
    }
  }
}

/**
 * The reducer: state + one gateway message → the next state. Ordered items at or below the state's
 * seq are duplicates (a resume that overlaps what arrived live) and change nothing; holes are normal
 * (public connections do not see moderator-only items). `gap` marks the state as resyncing; the
 * `snapshot` that follows replaces everything the feed built.
 */
export function reduce(s: EventState, m: ServerMessage): EventState {
  switch (m.type) {
    case 'hello':
      return { ...s, role: m.role, userId: m.userId }
    case 'snapshot':
      return fromSnapshot(s, m)
    case 'gap':
      return { ...s, resyncing: true }
    case 'question':
    case 'chat':
    case 'chat.deleted':
    case 'moderation':
      return m.seq <= s.seq ? s : applyOrdered(s, m)
    case 'poll':
      return { ...s, polls: mergePoll(s.polls, m.poll) }
    case 'question.votes': {
      let questions = s.questions
      for (const [id, n] of Object.entries(m.counts)) {
        const q = questions[id]
        if (q !== undefined && n > q.upvotes) questions = { ...questions, [id]: { ...q, upvotes: n } }
      }
      return questions === s.questions ? s : { ...s, questions }
    }
    case 'presence':
      return { ...s, viewers: m.viewers }
    case 'reactions':
    case 'ack':
    case 'pong':
    case 'error':
      return s
  }
}

/** Adds polls fetched over REST (`listPolls`) with the same never-backwards rule as poll messages. */
export function withPolls(s: EventState, polls: readonly Poll[]): EventState {
  let merged = s.polls
  for (const p of polls) merged = mergePoll(merged, p)
  return merged === s.polls ? s : { ...s, polls: merged }
}

/** The poll a viewer should see: the open one (newest opened), else the most recently closed one. */
export function currentPoll(polls: Readonly<Record<string, Poll>>): Poll | null {
  const list = Object.values(polls).filter((p) => p.status !== 'draft')
  const open = list.filter((p) => p.status === 'open').sort((a, b) => (b.openedAt ?? '').localeCompare(a.openedAt ?? ''))
  if (open[0] !== undefined) return open[0]
  return list.sort((a, b) => (b.closedAt ?? '').localeCompare(a.closedAt ?? ''))[0] ?? null
}

/** Questions the audience sees, sorted: pinned first, then by upvotes (ties: older first) or newest first. */
export function visibleQuestions(questions: Readonly<Record<string, Question>>, sort: 'top' | 'new', includeAll = false): Question[] {
  const list = Object.values(questions).filter((q) => includeAll || q.status === 'approved')
  return list.sort((a, b) => {
    if (a.pinned !== b.pinned) return a.pinned ? -1 : 1
    if (sort === 'top' && a.upvotes !== b.upvotes) return b.upvotes - a.upvotes
    const byTime = a.createdAt.localeCompare(b.createdAt)
    return sort === 'top' ? byTime || a.id.localeCompare(b.id) : -byTime || b.id.localeCompare(a.id)
  })
}
