// Limits that hold across instances: sliding windows (a kv log updated by compare-and-set), fixed-window kv counters, and the slow-mode claim.
import type { Ctx } from '../../context.ts'
import { ApiError } from '../../platform/errors.ts'
import { decodeSendLog, encodeSendLog, fixedWindow, retryAfterSec, slidingWindowDecision, slowModeDecision, windowDecision, type SendDecision } from './send-window.ts'

/** Compare-and-set rounds before a contended sliding window refuses (each round one writer wins). */
const SLIDING_ROUNDS = 32

/**
 * Counts one attempt under `key` in the fixed window of `windowMs` that `ctx.now()` falls in. The
 * window number is part of the key, so every instance and the test clock agree on where it ends
 * whatever the store's own expiry clock says. Up to 2× `limit` can pass across a window edge, so
 * only the reaction-frame flood guard uses it (one increment per frame on the hot path).
 */
export async function countAttempt(ctx: Ctx, key: string, windowMs: number, limit: number): Promise<SendDecision> {
  const { window, leftMs } = fixedWindow(ctx.now(), windowMs)
  const c = await ctx.kv.incr(`${key}:${String(window)}`, leftMs + 1000)
  return windowDecision(c.count, limit, leftMs)
}

/**
 * Takes one send under `key` in a sliding window of `windowMs` (see {@link slidingWindowDecision}):
 * the log of accepted send times is read, decided on purely, and written back only if nobody wrote
 * in between (kv compare-and-set), so concurrent sends on any instances never exceed `limit` in any
 * stretch of `windowMs`. Refusals write nothing. Times are the service clock's.
 */
export async function takeSlidingTurn(ctx: Ctx, key: string, windowMs: number, limit: number): Promise<SendDecision> {
  for (let round = 0; round < SLIDING_ROUNDS; round++) {
    const raw = await ctx.kv.get(key)
    const { decision, log } = slidingWindowDecision(decodeSendLog(raw), ctx.now(), windowMs, limit)
    if (!decision.ok) return decision
    if (await ctx.kv.compareAndSet(key, raw, encodeSendLog(log), windowMs + 1000)) return decision
  }
  // Only a flood of concurrent sends by one account gets here; refusing is the safe side.
  return { ok: false, retryAfterMs: 1000 }
}

/** {@link takeSlidingTurn}, throwing 429 `code` with `Retry-After` when over the limit. */
export async function enforceLimit(ctx: Ctx, o: { key: string; windowMs: number; limit: number; code?: string; message: string }): Promise<void> {
  const d = await takeSlidingTurn(ctx, `${o.key}:sw`, o.windowMs, o.limit)
  if (!d.ok) throw new ApiError(429, o.code ?? 'TOO_MANY_REQUESTS', o.message, { retryAfterSec: retryAfterSec(d.retryAfterMs) })
}

const lastKey = (eventId: string, userId: string): string => `chat:last:${eventId}:${userId}`

/** Slow mode, read only: refuses 429 `SLOW_MODE` when the user's last message is too recent. */
export async function checkSlowMode(ctx: Ctx, eventId: string, userId: string, slowModeSec: number): Promise<string | null> {
  if (slowModeSec <= 0) return null
  const raw = await ctx.kv.get(lastKey(eventId, userId))
  const last = raw === null ? null : Number(raw)
  const d = slowModeDecision(last !== null && Number.isFinite(last) ? last : null, ctx.now(), slowModeSec)
  if (!d.ok) throw slowModeError(d.retryAfterMs)
  return raw
}

/**
 * Takes the user's slow-mode turn. Two sends that both passed {@link checkSlowMode} on the same
 * last-sent value race for one claim key named after that value: only the first wins, so slow mode
 * holds even for concurrent requests on different instances. The last-sent time is the service clock's.
 */
export async function claimSlowMode(ctx: Ctx, eventId: string, userId: string, slowModeSec: number, seenRaw: string | null): Promise<void> {
  if (slowModeSec <= 0) return
  const slowMs = slowModeSec * 1000
  const claim = await ctx.kv.incr(`chat:claim:${eventId}:${userId}:${seenRaw ?? '-'}`, slowMs + 5000)
  if (claim.count > 1) throw slowModeError(slowMs)
  await ctx.kv.set(lastKey(eventId, userId), String(ctx.now()), slowMs + 60_000)
}

function slowModeError(ms: number): ApiError {
  return new ApiError(429, 'SLOW_MODE', 'slow mode is on; wait before sending again', { retryAfterSec: retryAfterSec(ms) })
}
