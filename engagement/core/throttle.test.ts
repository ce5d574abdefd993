import { describe, it, expect } from 'vitest'
import { createMemoryKv } from '../store/kv.ts'
import { Throttle } from './throttle.ts'

const LIMITS = { perIp: 1000, perPair: 5, perAccount: 20, windowSec: 900, blockSec: 60, maxBlockSec: 3600 }

function setup() {
  let t = 0
  const kv = createMemoryKv(() => t)
  return { th: new Throttle(kv, 'login', LIMITS), advance: (ms: number) => void (t += ms) }
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

  it('never locks the account: a fresh IP may still try during a distributed attack', async () => {
    const { th } = setup()
    for (let ip = 0; ip < 30; ip++) await th.fail('acct', `10.0.0.${ip}`)
    // Attacker IPs that already failed are refused once the account is under attack…
    expect((await th.check('acct', '10.0.0.3')).ok).toBe(false)
    // …the real user on a fresh IP is not.
    expect((await th.check('acct', '192.168.1.7')).ok).toBe(true)
    // Other accounts are unaffected.
    expect((await th.check('other', '10.0.0.3')).ok).toBe(true)
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
})
