import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { fnv1a, isSeeder, makePeerId } from './seeding.ts'

describe('isSeeder', () => {
  it('a lone viewer seeds everything', () => {
    expect(isSeeder('me', [], '0:1', 1)).toBe(true)
  })

  it('seeders <= 0 means nobody seeds', () => {
    expect(isSeeder('me', [], '0:1', 0)).toBe(false)
  })

  it('in a full mesh exactly k viewers agree they seed each segment', () => {
    fc.assert(fc.property(
      fc.uniqueArray(fc.string({ minLength: 1, maxLength: 20 }), { minLength: 1, maxLength: 12 }),
      fc.string(), fc.integer({ min: 1, max: 4 }),
      (ids, key, k) => {
        const seeders = ids.filter((id) => isSeeder(id, ids.filter((x) => x !== id), key, k))
        expect(seeders.length).toBe(Math.min(k, ids.length))
      },
    ))
  })

  it('spreads the seeding role over viewers across segments', () => {
    const ids = Array.from({ length: 6 }, (_, i) => makePeerId(() => ((i * 7919 + 13) % 97) / 97 + 0.001 * i))
    const counts = new Map<string, number>(ids.map((id) => [id, 0]))
    for (let sn = 0; sn < 600; sn++) {
      for (const id of ids) if (isSeeder(id, ids, `0:${sn}`, 1)) counts.set(id, (counts.get(id) ?? 0) + 1)
    }
    for (const c of counts.values()) expect(c).toBeGreaterThan(50)
  })
})

describe('makePeerId / fnv1a', () => {
  it('makes 20-character ids with our prefix', () => {
    const id = makePeerId()
    expect(id).toHaveLength(20)
    expect(id.startsWith('-SS0100-')).toBe(true)
    expect(id).toMatch(/^[-A-Za-z0-9]+$/)
  })

  it('hash is stable and 32-bit', () => {
    expect(fnv1a('abc')).toBe(fnv1a('abc'))
    expect(fnv1a('abc')).not.toBe(fnv1a('abd'))
    fc.assert(fc.property(fc.string(), (s) => {
      const h = fnv1a(s)
      expect(Number.isInteger(h) && h >= 0 && h < 2 ** 32).toBe(true)
    }))
  })
})
