// Pure poll rules: the life cycle (draft → open → closed → final), which votes count, and the wire view of a poll.
import type { Poll, PollAudience, PollStatus } from '../../../common/wire/interaction.ts'

/** One option as stored: the id is stable for the poll's life. */
export interface StoredOption {
  id: string
  text: string
}

/** A poll as the service holds it (times in ms since the epoch, the service clock). */
export interface PollRecord {
  id: string
  eventId: string
  question: string
  options: readonly StoredOption[]
  status: PollStatus
  audience: PollAudience
  durationSec: number | null
  openedAtMs: number | null
  /** Open with a duration: when it closes by itself. */
  closesAtMs: number | null
  closedAtMs: number | null
  /** Set once the grace has passed and `finalCounts` were read from the votes. */
  finalizedAtMs: number | null
  finalCounts: Readonly<Record<string, number>> | null
  createdBy: string
  createdAtMs: number
}

/**
 * Where a poll is at a moment:
 * - `draft`: created, not shown to the audience, no votes;
 * - `open`: taking votes;
 * - `grace`: closed, still taking the votes of viewers whose video is behind;
 * - `due`: the grace has passed, the final counts are not read yet (no votes);
 * - `final`: counts are the exact ones from the database.
 */
export type PollPhase = 'draft' | 'open' | 'grace' | 'due' | 'final'

/** The moment a poll closed or closes by itself at (its `closes_at` passed), or null while it runs. */
export function effectiveCloseMs(p: PollRecord, nowMs: number): number | null {
  if (p.status === 'closed') return p.closedAtMs
  if (p.status === 'open' && p.closesAtMs !== null && nowMs >= p.closesAtMs) return p.closesAtMs
  return null
}

/** The phase of `p` at `nowMs` with a vote grace of `graceMs` after close. */
export function phaseAt(p: PollRecord, nowMs: number, graceMs: number): PollPhase {
  if (p.status === 'draft') return 'draft'
  if (p.finalizedAtMs !== null) return 'final'
  const closed = effectiveCloseMs(p, nowMs)
  if (closed === null) return 'open'
  return nowMs < closed + graceMs ? 'grace' : 'due'
}

/** A poll takes votes while open and during the grace after close. */
export function acceptsVotes(p: PollRecord, nowMs: number, graceMs: number): boolean {
  const phase = phaseAt(p, nowMs, graceMs)
  return phase === 'open' || phase === 'grace'
}

/** Why a vote was refused (the REST error code and the socket `error` code). */
export type VoteRefusal = 'POLL_NOT_FOUND' | 'POLL_NOT_OPEN' | 'UNKNOWN_OPTION'

/** What a vote asks for. */
export interface VoteRequest {
  eventId: string
  pollId: string
  userId: string
  optionId: string
}

/**
 * Decides whether a vote may be stored, given its poll as read inside the vote's transaction
 * (`undefined` when there is no such poll). Another event's poll is as unknown as a missing one.
 */
export function checkVote(p: PollRecord | undefined, v: VoteRequest, nowMs: number, graceMs: number): VoteRefusal | null {
  if (p?.eventId !== v.eventId) return 'POLL_NOT_FOUND'
  if (!acceptsVotes(p, nowMs, graceMs)) return 'POLL_NOT_OPEN'
  if (!p.options.some((o) => o.id === v.optionId)) return 'UNKNOWN_OPTION'
  return null
}

/** Refusals of a host's open/close. */
export type TransitionRefusal = 'POLL_CLOSED' | 'POLL_NOT_OPEN'

/** Outcome of a transition: the new record (unchanged when it already was in that state), or why not. */
export type Transition = { ok: true; poll: PollRecord; changed: boolean } | { ok: false; error: TransitionRefusal }

/**
 * Opens a draft at `nowMs` (its countdown starts now when it has a duration). Opening an open poll
 * changes nothing; a closed poll is never reopened.
 */
export function openPoll(p: PollRecord, nowMs: number): Transition {
  if (p.status === 'open' && effectiveCloseMs(p, nowMs) === null) return { ok: true, poll: p, changed: false }
  if (p.status !== 'draft') return { ok: false, error: 'POLL_CLOSED' }
  const closesAtMs = p.durationSec === null ? null : nowMs + p.durationSec * 1000
  return { ok: true, changed: true, poll: { ...p, status: 'open', openedAtMs: nowMs, closesAtMs } }
}

/**
 * Closes an open poll at `nowMs`, or at its `closesAt` when that has passed already (it closed by
 * itself then). Closing a closed poll changes nothing; a draft cannot be closed.
 */
export function closePoll(p: PollRecord, nowMs: number): Transition {
  if (p.status === 'closed') return { ok: true, poll: p, changed: false }
  if (p.status === 'draft') return { ok: false, error: 'POLL_NOT_OPEN' }
  const at = effectiveCloseMs(p, nowMs) ?? nowMs
  return { ok: true, changed: true, poll: { ...p, status: 'closed', closedAtMs: at, closesAtMs: at } }
}

/** True when the grace after close has passed and the final counts may be read (once). */
export function finalizeDue(p: PollRecord, nowMs: number, graceMs: number): boolean {
  return phaseAt(p, nowMs, graceMs) === 'due'
}

/** Records the exact counts read from the votes at `nowMs`; closes the record too if it closed by itself. */
export function finalizePoll(p: PollRecord, counts: Readonly<Record<string, number>>, nowMs: number): PollRecord {
  const closed = effectiveCloseMs(p, nowMs) ?? nowMs
  const finalCounts: Record<string, number> = {}
  for (const o of p.options) finalCounts[o.id] = counts[o.id] ?? 0
  return { ...p, status: 'closed', closedAtMs: closed, closesAtMs: closed, finalizedAtMs: nowMs, finalCounts }
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())

/**
 * The wire object (`getPoll`, the gateway's `poll` message) of `p` at `nowMs`. `liveCounts` are the
 * merged tallies while votes run; a final poll shows its stored exact counts instead.
 */
export function pollView(p: PollRecord, liveCounts: Readonly<Record<string, number>>, nowMs: number, graceMs: number): Poll {
  const counts = p.finalCounts ?? liveCounts
  const options = p.options.map((o) => ({ id: o.id, text: o.text, votes: Math.max(0, Math.trunc(counts[o.id] ?? 0)) }))
  const closed = effectiveCloseMs(p, nowMs)
  const status: PollStatus = closed !== null ? 'closed' : p.status
  const acceptUntil = closed !== null ? closed + graceMs : p.status === 'open' && p.closesAtMs !== null ? p.closesAtMs + graceMs : null
  return {
    id: p.id,
    eventId: p.eventId,
    status,
    question: p.question,
    options,
    totalVotes: options.reduce((n, o) => n + o.votes, 0),
    audience: p.audience,
    durationSec: p.durationSec,
    openedAt: iso(p.openedAtMs),
    closesAt: iso(closed ?? p.closesAtMs),
    closedAt: iso(closed),
    votesAcceptedUntil: iso(acceptUntil),
    final: p.finalizedAtMs !== null,
    createdAt: new Date(p.createdAtMs).toISOString(),
  }
}

/** Option ids for a new poll's texts, in order: `o1`, `o2`, … */
export function newOptions(texts: readonly string[]): StoredOption[] {
  return texts.map((text, i) => ({ id: `o${String(i + 1)}`, text }))
}

/** A createPoll body after trimming, or why it cannot make a poll. */
export type CreateCheck = { ok: true; question: string; options: string[] } | { ok: false; error: 'EMPTY_TEXT' | 'DUPLICATE_OPTION' }

/**
 * Trims the question and options (the schema checked their lengths); refuses blank ones and two
 * options that read the same (case-insensitively), which the audience could not tell apart.
 */
export function checkCreate(question: string, options: readonly string[]): CreateCheck {
  const q = question.trim()
  const opts = options.map((o) => o.trim())
  if (q === '' || opts.some((o) => o === '')) return { ok: false, error: 'EMPTY_TEXT' }
  const seen = new Set(opts.map((o) => o.normalize('NFKC').toLocaleLowerCase('en')))
  if (seen.size !== opts.length) return { ok: false, error: 'DUPLICATE_OPTION' }
  return { ok: true, question: q, options: opts }
}
