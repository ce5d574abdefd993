// Pure cores of the gateway's limits and timing: per-connection token bucket, fixed kv windows, the tick grid.

/** A token bucket (per connection). */
export interface Bucket {
  tokens: number
  refillMs: number
}

/** A full bucket at `nowMs`. */
export function fullBucket(burst: number, nowMs: number): Bucket {
  return { tokens: burst, refillMs: nowMs }
}

/** Refills by elapsed time and takes one token; false when the connection is over its rate. */
export function takeToken(b: Bucket, nowMs: number, perSec: number, burst: number): boolean {
  const elapsed = nowMs - b.refillMs
  if (elapsed > 0) {
    b.tokens = Math.min(burst, b.tokens + (elapsed * perSec) / 1000)
    b.refillMs = nowMs
  }
  if (b.tokens < 1) return false
  b.tokens -= 1
  return true
}

/**
 * A fixed window numbered by the service clock (every instance agrees where it ends, whatever the
 * store's own expiry clock says): the window's number and how long the kv counter must live.
 */
export function fixedWindow(nowMs: number, windowMs: number): { index: number; ttlMs: number; leftMs: number } {
  const index = Math.floor(nowMs / windowMs)
  const leftMs = (index + 1) * windowMs - nowMs
  return { index, leftMs, ttlMs: leftMs + 1000 }
}

/** Delay until the next multiple of `periodMs` on the wall clock, so every instance ticks together. */
export function nextTickDelayMs(nowMs: number, periodMs: number): number {
  const into = ((nowMs % periodMs) + periodMs) % periodMs
  return into === 0 ? periodMs : periodMs - into
}
