// Pure send decisions: slow mode (time since one's last message) and fixed counting windows numbered by the service clock.

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

/** Whole seconds for a `Retry-After` header (at least 1). */
export function retryAfterSec(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000))
}
