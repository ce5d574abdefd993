import type { Kv } from '../store/kv.ts'
import { Throttle } from '../core/throttle.ts'

/** The throttles of the sign-in and second-factor paths. */
export interface Throttles {
  login: Throttle
  totp: Throttle
  stepUp: Throttle
  register: Throttle
}

/** Limits sized so a user mistyping a few times is never blocked and guessing stays hopeless. */
export function createThrottles(kv: Kv, limits: { loginPerIpPer15Min: number; registerPerIpPerHour: number }): Throttles {
  return {
    login: new Throttle(kv, 'login', { perIp: limits.loginPerIpPer15Min, perPair: 5, perAccount: 20, windowSec: 900, blockSec: 60, maxBlockSec: 3600 }),
    totp: new Throttle(kv, 'totp', { perIp: 60, perPair: 5, perAccount: 15, windowSec: 900, blockSec: 60, maxBlockSec: 3600 }),
    stepUp: new Throttle(kv, 'stepup', { perIp: 60, perPair: 5, perAccount: 15, windowSec: 900, blockSec: 60, maxBlockSec: 3600 }),
    register: new Throttle(kv, 'register', { perIp: limits.registerPerIpPerHour, perPair: 1000, perAccount: 1000, windowSec: 3600, blockSec: 60, maxBlockSec: 60 }),
  }
}
