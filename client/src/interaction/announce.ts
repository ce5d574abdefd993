// What the poll card's polite live region says, pure: every change of stage at once, live results at most every few seconds, never each tick.
import type { Poll } from '../../../common/wire/interaction.ts'

/** Least time between two announcements of live results (ms). */
export const RESULTS_EVERY_MS = 8_000

/** What was last announced. */
export interface AnnounceMemo {
  pollId: string | null
  stage: string
  /** Counts at the last announcement, `a:3,b:5`. */
  counts: string
  atMs: number
}

/** The memo before anything was said. */
export const SILENT: AnnounceMemo = { pollId: null, stage: '', counts: '', atMs: -Infinity }

/** What to announce. */
export type PollAnnouncement = 'opened' | 'closed' | 'final' | 'results'

const stageOf = (p: Poll): string => (p.final ? 'final' : p.status)
const countsOf = (p: Poll): string => p.options.map((o) => `${o.id}:${String(o.votes)}`).join(',')

/**
 * Decides the next announcement for the poll on screen. A new poll, its close and its final counts
 * are announced when they appear; while it is open, changed counts are announced at most every
 * `minGapMs` (a screen reader would otherwise read out every tick).
 */
export function nextAnnouncement(memo: AnnounceMemo, poll: Poll | null, nowMs: number, minGapMs = RESULTS_EVERY_MS): { say: PollAnnouncement | null; memo: AnnounceMemo } {
  if (poll === null || poll.status === 'draft') return { say: null, memo }
  const stage = stageOf(poll)
  const counts = countsOf(poll)
  const next: AnnounceMemo = { pollId: poll.id, stage, counts, atMs: nowMs }
  if (poll.id !== memo.pollId || stage !== memo.stage) {
    const say: PollAnnouncement = stage === 'open' ? 'opened' : stage === 'final' ? 'final' : 'closed'
    return { say, memo: next }
  }
  if (stage === 'open' && counts !== memo.counts && poll.totalVotes > 0 && nowMs - memo.atMs >= minGapMs) return { say: 'results', memo: next }
  return { say: null, memo }
}

/** Share of the votes, 0..1 (0 with no votes). */
export function share(votes: number, total: number): number {
  return total > 0 ? votes / total : 0
}
