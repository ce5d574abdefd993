import { describe, it, expect } from 'vitest'
import { createMemoryKv } from './kv.ts'
import { Throttle, ceilingDelayMs, type ThrottleLimits } from './throttle.ts'

const LIMITS: ThrottleLimits = { perIp: 1000, perPair: 5, perAccount: 20, onAccountCeiling: 'challenge', windowSec: 900, blockSec: 60, maxBlockSec: 3600, delayBaseMs: 250, delayMaxMs: 4000 }

function setup(limits: Partial<ThrottleLimits> = {}) {
  let t = 0
  const kv = createMemoryKv(() => t)
  return { th: new Throttle(kv, 'login', { ...LIMITS, ...limits }), advance: (ms: number) => void (t += ms) }
}

describe('Throttle', () => {
  it('blocks an (account, IP) pair after repeated failures, with doubling backoff', async () => {
    const { th, advance } = setup()
    for (let i = 0; i < 5; i++) {
      expect((await th.check('acct', 'ip1')).ok).toBe(true)
      await th.fail('acct', 'ip1')
    }
    expect((await th.check('acct', 'ip1')).ok).toBe(false)
    advance(61_000)
    expect((await th.check('acct', 'ip1')).ok).toBe(true)
    for (let i = 0; i < 5; i++) await th.fail('acct', 'ip1')
    advance(61_000)
    // Second strike: 120 s.
    expect((await th.check('acct', 'ip1')).ok).toBe(false)
    advance(60_000)
    expect((await th.check('acct', 'ip1')).ok).toBe(true)
  })

  it('past the per-account ceiling every address, fresh or not, must bring a challenge and waits longer each time', async () => {
    const { th } = setup()
    for (let ip = 0; ip < 19; ip++) await th.fail('acct', `10.0.0.${ip}`)
    expect(await th.check('acct', '192.168.1.7')).toEqual({ ok: true, challenge: false, delayMs: 0 })
    await th.fail('acct', '10.0.0.19')
    // A botnet of fresh addresses gains nothing from being fresh…
    expect(await th.check('acct', '192.168.1.8')).toEqual({ ok: true, challenge: true, delayMs: 250 })
    // …and the addresses that failed are not locked out either: they too may try with a challenge.
    expect(await th.check('acct', '10.0.0.3')).toEqual({ ok: true, challenge: true, delayMs: 250 })
    await th.fail('acct', '10.0.0.100')
    await th.fail('acct', '10.0.0.101')
    expect(await th.check('acct', '10.0.0.3')).toEqual({ ok: true, challenge: true, delayMs: 1000 })
    for (let i = 0; i < 20; i++) await th.fail('acct', `10.1.0.${i}`)
    expect(await th.check('acct', '10.0.0.3')).toEqual({ ok: true, challenge: true, delayMs: 4000 })
    // Other accounts are unaffected.
    expect(await th.check('other', '10.0.0.3')).toEqual({ ok: true, challenge: false, delayMs: 0 })
  })

  it.each([
    [0, 0],
    [9, 0],
    [10, 100],
    [11, 200],
    [13, 800],
    [15, 1000],
    [10_000, 1000],
  ])('ceilingDelayMs(%i failures, ceiling 10, 100 ms, max 1000) = %i', (failures, want) => {
    expect(ceilingDelayMs(failures, 10, 100, 1000)).toBe(want)
  })

  it('fresh-addresses-only (second factors): addresses that failed are refused past the ceiling, fresh ones are not', async () => {
    const { th } = setup({ onAccountCeiling: 'fresh-addresses-only' })
    for (let ip = 0; ip < 30; ip++) await th.fail('acct', `10.0.0.${ip}`)
    expect((await th.check('acct', '10.0.0.3')).ok).toBe(false)
    expect(await th.check('acct', '192.168.1.7')).toEqual({ ok: true, challenge: false, delayMs: 0 })
  })

  it('success forgives the pair', async () => {
    const { th } = setup()
    for (let i = 0; i < 4; i++) await th.fail('acct', 'ip')
    await th.succeed('acct', 'ip')
    for (let i = 0; i < 4; i++) await th.fail('acct', 'ip')
    expect((await th.check('acct', 'ip')).ok).toBe(true)
  })

  it('limits attempts per IP across accounts', async () => {
    let t = 0
    const th = new Throttle(createMemoryKv(() => t), 'x', { ...LIMITS, perIp: 3 })
    for (let i = 0; i < 3; i++) expect((await th.check(`a${i}`, 'ip')).ok).toBe(true)
    const d = await th.check('a9', 'ip')
    expect(d).toEqual({ ok: false, retryAfterSec: 900 })
    t += 900_001
    expect((await th.check('a9', 'ip')).ok).toBe(true)
  })

  it('an IPv6 /64 is one address for the per-address limit and for pair blocks', async () => {
    const { th } = setup({ perIp: 3 })
    for (let i = 1; i <= 3; i++) expect((await th.check(`a${i}`, `2001:db8:1:2::${i}`)).ok).toBe(true)
    expect((await th.check('a4', '2001:db8:1:2:ffff:ffff:ffff:ffff')).ok).toBe(false)
    expect((await th.check('a5', '2001:db8:1:3::1')).ok).toBe(true)
    const pair = setup()
    for (let i = 1; i <= 5; i++) await pair.th.fail('acct', `2001:db8:9:9::${i}`)
    expect((await pair.th.check('acct', '2001:db8:9:9:abcd::1')).ok).toBe(false)
    // IPv4 addresses stay single addresses, also when written IPv4-mapped.
    for (let i = 1; i <= 5; i++) await pair.th.fail('acct', '::ffff:198.51.100.1')
    expect((await pair.th.check('acct', '198.51.100.1')).ok).toBe(false)
    expect((await pair.th.check('acct', '198.51.100.2')).ok).toBe(true)
  })
})
