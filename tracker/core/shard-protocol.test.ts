import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { shardOf } from './shard-protocol.ts'
import { SwarmCore } from './swarm-core.ts'

const id = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), minLength: 20, maxLength: 20 })

describe('shardOf', () => {
  it('is deterministic and in range', () => {
    fc.assert(
      fc.property(fc.string(), id, fc.integer({ min: 1, max: 32 }), (ns, ih, n) => {
        const s = shardOf(ns, ih, n)
        return s === shardOf(ns, ih, n) && Number.isInteger(s) && s >= 0 && s < n
      }),
    )
  })

  it('spreads swarms evenly, even ids that differ by a constant in every byte', () => {
    // Such ids have equal byte parities; a hash whose low bit is their parity puts them all on one shard.
    const hashes = Array.from({ length: 2000 }, (_, k) => Array.from({ length: 20 }, (_, i) => String.fromCharCode((k * 37 + i * 59) % 256)).join(''))
    for (const n of [2, 3, 4]) {
      const counts = new Array<number>(n).fill(0)
      for (const h of hashes) counts[shardOf('', h, n)] = (counts[shardOf('', h, n)] ?? 0) + 1
      // 256 distinct ids repeat in this set, so allow a wide band around the even share.
      for (const c of counts) expect(c).toBeGreaterThan((hashes.length / n) * 0.7)
    }
  })

  it('separates namespaces', () => {
    const ih = 'a'.repeat(20)
    const shards = new Set(Array.from({ length: 64 }, (_, i) => shardOf(`event-${String(i)}`, ih, 4)))
    expect(shards.size).toBe(4)
  })
})

describe('SwarmCore canJoin (the sharded host’s cross-shard limit)', () => {
  const config = { intervalSec: 60, maxOffers: 5, cellMaxPeers: 10, maxPeersPerConnection: 8, peerTtlSec: 135 }
  const announce = (infoHash: string, peerId: string) => ({ kind: 'announce' as const, infoHash, peerId, event: undefined, numwant: undefined, offers: [] })

  it('refuses new memberships but still refreshes held ones, and reports count changes', () => {
    const changed: number[] = []
    const core = new SwarmCore(config, (c) => changed.push(c))
    core.open(1, '', 'l')
    expect(core.handle(1, announce('i'.repeat(20), 'p'.repeat(20)), 0, () => 0)[0]).toMatchObject({ type: 'reply' })
    expect(core.handle(1, announce('j'.repeat(20), 'q'.repeat(20)), 0, () => 0, false)[0]).toMatchObject({ type: 'failure' })
    expect(core.handle(1, announce('i'.repeat(20), 'p'.repeat(20)), 0, () => 0, false)[0]).toMatchObject({ type: 'reply', incomplete: 1 })
    expect(core.connPeerCount(1)).toBe(1)
    expect(changed).toEqual([1])
    expect(core.sweep(1000 * 1000)).toBe(1)
    expect(changed).toEqual([1, 1])
    expect(core.connPeerCount(1)).toBe(0)
  })
})
