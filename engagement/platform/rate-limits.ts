import type { Kv } from './kv.ts'
import { Throttle } from './throttle.ts'
import { PowChallenges } from '../accounts/proof-of-work.ts'

/** The throttles of the sign-in and second-factor paths. */
export interface Throttles {
  login: Throttle
  totp: Throttle
  stepUp: Throttle
  register: Throttle
  /** Proof-of-work challenges asked of sign-ins on an account past its failure ceiling. */
  loginChallenges: PowChallenges
}

/** The config keys the throttles are sized from. */
export interface ThrottleConfig {
  loginPerIpPer15Min: number
  registerPerIpPerHour: number
  loginChallengeAfterFailures: number
  loginChallengeBits: number
  loginDelayBaseMs: number
  loginDelayMaxMs: number
}

const SECOND_FACTOR = { perIp: 60, perPair: 5, perAccount: 15, onAccountCeiling: 'fresh-addresses-only', windowSec: 900, blockSec: 60, maxBlockSec: 3600, delayBaseMs: 0, delayMaxMs: 0 } as const

/** Limits sized so a user mistyping a few times is never blocked and guessing stays hopeless. */
export function createThrottles(kv: Kv, c: ThrottleConfig): Throttles {
  return {
    login: new Throttle(kv, 'login', {
      perIp: c.loginPerIpPer15Min,
      perPair: 5,
      perAccount: c.loginChallengeAfterFailures,
      onAccountCeiling: 'challenge',
      windowSec: 900,
      blockSec: 60,
      maxBlockSec: 3600,
      delayBaseMs: c.loginDelayBaseMs,
      delayMaxMs: c.loginDelayMaxMs,
    }),
    totp: new Throttle(kv, 'totp', SECOND_FACTOR),
    stepUp: new Throttle(kv, 'stepup', SECOND_FACTOR),
    register: new Throttle(kv, 'register', { ...SECOND_FACTOR, perIp: c.registerPerIpPerHour, perPair: 1000, perAccount: 1000, windowSec: 3600, maxBlockSec: 60 }),
    loginChallenges: new PowChallenges(kv, c.loginChallengeBits),
  }
}
