// Attempt throttling (per address group, per account and address, per account) with backoff and no account lockout.
import type { Kv } from './kv.ts'
import { addressGroup } from '../../common/client-address.ts'

/** Limits for one kind of attempt (login, TOTP, step-up). */
export interface ThrottleLimits {
  /** Attempts per address group (IPv4 address, IPv6 /64), any account, per window. */
  perIp: number
  /** Failures per account from one address group before that pair is blocked. */
  perPair: number
  /**
   * Failures per account from all addresses per window. Beyond it, `onAccountCeiling` decides:
   * `challenge` lets every address still try but asks for extra proof and a delay (the caller
   * enforces both, see {@link ThrottleDecision}); `fresh-addresses-only` refuses the addresses
   * that already failed on the account.
   */
  perAccount: number
  onAccountCeiling: 'challenge' | 'fresh-addresses-only'
  windowSec: number
  /** First block length after `perPair` failures; doubles per repeat, capped at `maxBlockSec`. */
  blockSec: number
  maxBlockSec: number
  /** Delay for the first attempt past the account ceiling; doubles per further failure. */
  delayBaseMs: number
  /** Cap of that delay. */
  delayMaxMs: number
}

/**
 * Outcome of {@link Throttle.check}. `challenge` means the account is past its ceiling: the
 * attempt may go ahead only with extra proof (a solved challenge, or the second factor in the same
 * request), after waiting `delayMs`.
 */
export type ThrottleDecision = { ok: true; challenge: boolean; delayMs: number } | { ok: false; retryAfterSec: number }

/** The delay past the ceiling: `base · 2^(failures − ceiling)`, capped (pure). */
export function ceilingDelayMs(failures: number, ceiling: number, baseMs: number, maxMs: number): number {
  if (failures < ceiling) return 0
  return Math.min(maxMs, baseMs * 2 ** Math.min(30, failures - ceiling))
}

/**
 * Per-address, per-(account, address) and per-account throttling with backoff, never account
 * lockout. `account` is any stable string for the target (a hash of the normalised email for
 * logins, so unknown and known emails behave alike). Addresses are counted by {@link addressGroup}.
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

  /** Call before checking credentials; counts the attempt against the address group. */
  async check(account: string, ip: string): Promise<ThrottleDecision> {
    const L = this.limits
    const addr = addressGroup(ip)
    if ((await this.kv.get(this.k('block', account, addr))) !== null) return { ok: false, retryAfterSec: L.blockSec }
    const ipCount = await this.kv.incr(this.k('ip', addr), L.windowSec * 1000)
    if (ipCount.count > L.perIp) return { ok: false, retryAfterSec: Math.ceil(ipCount.ttlMs / 1000) }
    const acct = Number((await this.kv.get(this.k('acct', account))) ?? 0)
    if (acct < L.perAccount) return { ok: true, challenge: false, delayMs: 0 }
    if (L.onAccountCeiling === 'fresh-addresses-only') {
      const pair = Number((await this.kv.get(this.k('pair', account, addr))) ?? 0)
      return pair > 0 ? { ok: false, retryAfterSec: L.windowSec } : { ok: true, challenge: false, delayMs: 0 }
    }
    return { ok: true, challenge: true, delayMs: ceilingDelayMs(acct, L.perAccount, L.delayBaseMs, L.delayMaxMs) }
  }

  /** Records a failed attempt; blocks the (account, address) pair with growing backoff at the limit. */
  async fail(account: string, ip: string): Promise<void> {
    const L = this.limits
    const addr = addressGroup(ip)
    await this.kv.incr(this.k('acct', account), L.windowSec * 1000)
    const pair = await this.kv.incr(this.k('pair', account, addr), L.windowSec * 1000)
    if (pair.count >= L.perPair) {
      const strikes = await this.kv.incr(this.k('strikes', account, addr), 86_400_000)
      const blockSec = Math.min(L.maxBlockSec, L.blockSec * 2 ** (strikes.count - 1))
      await this.kv.set(this.k('block', account, addr), '1', blockSec * 1000)
      await this.kv.del(this.k('pair', account, addr))
    }
  }

  /** Records a success: the pair's failures are forgiven. */
  async succeed(account: string, ip: string): Promise<void> {
    const addr = addressGroup(ip)
    await this.kv.del(this.k('pair', account, addr))
    await this.kv.del(this.k('strikes', account, addr))
  }
}
