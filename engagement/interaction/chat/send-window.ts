// Pure send decisions: slow mode (time since one's last message), sliding windows (a log of accepted sends) and fixed counting windows.

/** Outcome of a send decision; `retryAfterMs` is how long until the same send would pass. */
export type SendDecision = { ok: true } | { ok: false; retryAfterMs: number }

/**
 * Slow mode: a viewer may send when at least `slowModeSec` have passed since their last accepted
 * message (`lastSentMs`, null = none). 0 turns it off.
 */
export function slowModeDecision(lastSentMs: number | null, nowMs: number, slowModeSec: number): SendDecision {
  if (slowModeSec <= 0 || lastSentMs === null) return { ok: true }
  const readyAt = lastSentMs + slowModeSec * 1000
  return nowMs >= readyAt ? { ok: true } : { ok: false, retryAfterMs: readyAt - nowMs }
}

/** The fixed window `nowMs` falls in: its number, and how long until it ends. */
export function fixedWindow(nowMs: number, windowMs: number): { window: number; leftMs: number } {
  const window = Math.floor(nowMs / windowMs)
  return { window, leftMs: (window + 1) * windowMs - nowMs }
}

/**
 * A counted attempt: `count` is the attempt's number in its window (1 = first). Accepted while
 * it is within `limit`; else refused until the window ends.
 */
export function windowDecision(count: number, limit: number, leftMs: number): SendDecision {
  return count <= limit ? { ok: true } : { ok: false, retryAfterMs: leftMs }
}

/** Outcome of {@link slidingWindowDecision}: the decision and the log to store when it accepts. */
export interface SlidingOutcome {
  decision: SendDecision
  /** Accepted send times still inside the window, oldest first, at most `limit` (with `nowMs` when accepted). */
  log: number[]
}

/**
 * Sliding window, exact: a send at `nowMs` is accepted when fewer than `limit` accepted sends lie in
 * the last `windowMs` (times `t` with `nowMs - windowMs < t`, entries ahead of `nowMs` from another
 * instance's clock included). So no half-open interval of length `windowMs` ever holds more than
 * `limit` accepted sends, across window edges too. A refusal waits until enough of the oldest
 * entries have aged out. `log` is the accepted send times (any order; non-finite entries ignored).
 */
export function slidingWindowDecision(log: readonly number[], nowMs: number, windowMs: number, limit: number): SlidingOutcome {
  const kept = log.filter((t) => Number.isFinite(t) && t > nowMs - windowMs).sort((a, b) => a - b)
  if (kept.length < limit) return { decision: { ok: true }, log: [...kept, nowMs].sort((a, b) => a - b).slice(-limit) }
  // The entry whose ageing out leaves limit - 1 in the window.
  const oldest = kept[kept.length - limit] as number
  return { decision: { ok: false, retryAfterMs: oldest + windowMs - nowMs }, log: kept.slice(-limit) }
}

/** The stored form of a sliding-window log: times in ms, comma-separated. */
export function encodeSendLog(log: readonly number[]): string {
  return log.map((t) => String(Math.round(t))).join(',')
}

/** Parses {@link encodeSendLog}'s form; anything unreadable reads as no entry. */
export function decodeSendLog(raw: string | null): number[] {
  if (raw === null || raw === '') return []
  return raw
    .split(',')
    .filter((part) => part !== '')
    .map(Number)
    .filter((t) => Number.isFinite(t))
}

/** Whole seconds for a `Retry-After` header (at least 1). */
export function retryAfterSec(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000))
}
