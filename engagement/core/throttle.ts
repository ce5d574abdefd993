import type { Kv } from '../store/kv.ts'

/** Limits for one kind of attempt (login, TOTP, step-up). */
export interface ThrottleLimits {
  /** Attempts per IP, any account, per window. */
  perIp: number
  /** Failures per account from one IP before that pair is blocked. */
  perPair: number
  /**
   * Failures per account from all IPs; beyond this, only IPs that have not failed on this account
   * may still try, so a real user on a fresh IP is never locked out.
   */
  perAccount: number
  windowSec: number
  /** First block length after `perPair` failures; doubles per repeat, capped at `maxBlockSec`. */
  blockSec: number
  maxBlockSec: number
}

/** Outcome of {@link Throttle.check}. */
export type ThrottleDecision = { ok: true } | { ok: false; retryAfterSec: number }

/**
 * Per-IP, per-(account, IP) and per-account throttling with backoff, never account lockout.
 * `account` is any stable string for the target (a hash of the normalised email for logins, so
 * unknown and known emails behave alike).
 */
export class Throttle {
  constructor(
    private readonly kv: Kv,
    private readonly name: string,
    private readonly limits: ThrottleLimits,
  ) {}

  private k(kind: string, ...parts: string[]): string {
    return `rl:${this.name}:${kind}:${parts.join(':')}`
  }

  /** Call before checking credentials; counts the attempt against the IP. */
  async check(account: string, ip: string): Promise<ThrottleDecision> {
    const L = this.limits
    if ((await this.kv.get(this.k('block', account, ip))) !== null) return { ok: false, retryAfterSec: L.blockSec }
    const ipCount = await this.kv.incr(this.k('ip', ip), L.windowSec * 1000)
    if (ipCount.count > L.perIp) return { ok: false, retryAfterSec: Math.ceil(ipCount.ttlMs / 1000) }
    const pair = Number((await this.kv.get(this.k('pair', account, ip))) ?? 0)
    const acct = Number((await this.kv.get(this.k('acct', account))) ?? 0)
    if (acct >= L.perAccount && pair > 0) return { ok: false, retryAfterSec: L.windowSec }
    return { ok: true }
  }

  /** Records a failed attempt; blocks the (account, IP) pair with growing backoff at the limit. */
  async fail(account: string, ip: string): Promise<void> {
    const L = this.limits
    await this.kv.incr(this.k('acct', account), L.windowSec * 1000)
    const pair = await this.kv.incr(this.k('pair', account, ip), L.windowSec * 1000)
    if (pair.count >= L.perPair) {
      const strikes = await this.kv.incr(this.k('strikes', account, ip), 86_400_000)
      const blockSec = Math.min(L.maxBlockSec, L.blockSec * 2 ** (strikes.count - 1))
      await this.kv.set(this.k('block', account, ip), '1', blockSec * 1000)
      await this.kv.del(this.k('pair', account, ip))
    }
  }

  /** Records a success: the pair's failures are forgiven. */
  async succeed(account: string, ip: string): Promise<void> {
    await this.kv.del(this.k('pair', account, ip))
    await this.kv.del(this.k('strikes', account, ip))
  }
}
