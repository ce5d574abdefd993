import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { createMemoryKv } from '../platform/kv.ts'
import { PowChallenges, checkProof, leadingZeroBits, solveProof } from './proof-of-work.ts'

describe('proof of work', () => {
  it.each([
    [[0xff], 0],
    [[0x80], 0],
    [[0x7f], 1],
    [[0x01], 7],
    [[0x00, 0xff], 8],
    [[0x00, 0x00, 0x10], 19],
    [[0x00, 0x00], 16],
  ])('leadingZeroBits(%j) = %i', (bytes, want) => {
    expect(leadingZeroBits(Uint8Array.from(bytes))).toBe(want)
  })

  it('a found nonce checks at its difficulty (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{16,30}$/), fc.integer({ min: 1, max: 10 }), (id, bits) => {
        const nonce = solveProof(id, bits)
        expect(checkProof(id, nonce, bits)).toBe(true)
      }),
      { numRuns: 40 },
    )
  })

  it('a challenge is redeemed once, only with a right nonce, only while it lives', async () => {
    let t = 0
    const pow = new PowChallenges(createMemoryKv(() => t), 8)
    const c = await pow.issue()
    expect(c.difficulty).toBe(8)
    const nonce = solveProof(c.challengeId, 8)
    let wrong = 0
    while (checkProof(c.challengeId, String(wrong), 8)) wrong += 1
    expect(await pow.redeem({ challengeId: c.challengeId, nonce: String(wrong) })).toBe(false)
    expect(await Promise.all([pow.redeem({ challengeId: c.challengeId, nonce }), pow.redeem({ challengeId: c.challengeId, nonce })])).toEqual([true, false])
    expect(await pow.redeem({ challengeId: c.challengeId, nonce })).toBe(false)
    const late = await pow.issue()
    t += 301_000
    expect(await pow.redeem({ challengeId: late.challengeId, nonce: solveProof(late.challengeId, 8) })).toBe(false)
    expect(await pow.redeem({ challengeId: 'bad id!', nonce: '1' })).toBe(false)
  })
})
