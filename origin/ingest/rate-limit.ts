/**
 * Per-address token bucket for publish attempts (key checks), so a caller cannot brute-force
 * stream keys or flood the key store. Pure: the clock is an input; memory is bounded.
 */
export class AttemptLimiter {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>()

  /**
   * @param perMinute attempts allowed per address per minute (also the burst size)
   * @param maxAddresses addresses tracked at once; the least recently seen are forgotten
   */
  constructor(private readonly perMinute: number, private readonly maxAddresses = 10_000) {}

  /** Takes one attempt for `address`; false when its budget is spent. */
  take(address: string, nowMs: number): boolean {
    const b = this.buckets.get(address)
    const tokens = b === undefined ? this.perMinute : Math.min(this.perMinute, b.tokens + ((nowMs - b.atMs) * this.perMinute) / 60_000)
    this.buckets.delete(address)
    if (this.buckets.size >= this.maxAddresses) this.buckets.delete(this.buckets.keys().next().value ?? '')
    const ok = tokens >= 1
    this.buckets.set(address, { tokens: ok ? tokens - 1 : tokens, atMs: nowMs })
    return ok
  }
}
