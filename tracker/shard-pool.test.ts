import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ShardPool } from './shard-pool.ts'
import { TrackerHost, type Sink } from './host.ts'
import { loadTrackerConfig, peerTtlSec } from './config.ts'
import { createLogger } from '../common/log.ts'
import { encodeClientAnnounce, type Frame } from './protocol/encode.ts'
import { shardOf } from './core/shard-protocol.ts'

class FrameSink implements Sink {
  frames: Record<string, unknown>[] = []
  sendBatch(frames: Frame[]): number {
    for (const f of frames) this.frames.push(JSON.parse(typeof f === 'string' ? f : Buffer.from(f).toString('latin1')) as Record<string, unknown>)
    return 0
  }
  buffered(): number {
    return 0
  }
  close(): void {
    // Nothing to release.
  }
}

const enc = (s: string): Uint8Array => Buffer.from(s, 'latin1')
const until = async (cond: () => boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe('ShardPool with a real TrackerHost and two worker threads', () => {
  const config = loadTrackerConfig({ overrides: { workers: 2, intervalSec: 10, peerTtlSec: 30, allowedOrigins: ['*'] } })
  let nowMs = 1_000_000
  let pool: ShardPool
  let host: TrackerHost
  beforeAll(async () => {
    pool = await ShardPool.start(
      2,
      { intervalSec: config.intervalSec, maxOffers: config.maxOffers, cellMaxPeers: config.cellMaxPeers, maxPeersPerConnection: config.maxPeersPerConnection, peerTtlSec: peerTtlSec(config) },
      createLogger('t', 'silent'),
      () => nowMs,
    )
    host = new TrackerHost(config, createLogger('t', 'silent'), () => nowMs, Math.random, setImmediate, pool)
  })
  afterAll(async () => {
    await pool.close()
  })

  it('expires stale memberships in every shard, closes release every shard, and stats add up', async () => {
    const hashes = Array.from({ length: 6 }, (_, i) => `swarm-${String(i)}`.padEnd(20, '.'))
    expect(new Set(hashes.map((h) => shardOf('', h, 2))).size).toBe(2)
    const a = new FrameSink()
    const b = new FrameSink()
    const ia = host.open(a, '', 'x')
    const ib = host.open(b, '', 'x')
    hashes.forEach((ih, i) => {
      host.message(ia, enc(encodeClientAnnounce({ infoHash: ih, peerId: `a${String(i)}`.padEnd(20, '-'), offers: [] })))
      host.message(ib, enc(encodeClientAnnounce({ infoHash: ih, peerId: `b${String(i)}`.padEnd(20, '-'), offers: [{ offerId: 'o'.repeat(20), offer: { type: 'offer', sdp: 'v=0\r\n' } }] })))
    })
    await until(() => a.frames.filter((f) => f.offer !== undefined).length === 6 && b.frames.length === 6)
    // Each forwarded offer carries the bytes main kept, byte for byte; shards answer in any order.
    expect(a.frames.filter((f) => f.offer !== undefined).map((f) => f.info_hash as string).sort()).toEqual(hashes)
    expect(a.frames.find((f) => f.offer !== undefined)).toMatchObject({ offer: { type: 'offer', sdp: 'v=0\r\n' } })
    const fresh = await host.freshCoreStats(3)
    expect(fresh).toMatchObject({ peers: 12, swarms: 6, connections: 2 })
    expect(fresh.topSwarms).toHaveLength(3)

    // b keeps announcing on half the swarms; then time passes beyond the TTL.
    nowMs += 20_000
    hashes.slice(0, 3).forEach((ih, i) => host.message(ib, enc(encodeClientAnnounce({ infoHash: ih, peerId: `b${String(i)}`.padEnd(20, '-'), offers: [] }))))
    await until(() => b.frames.length === 9)
    nowMs += 15_000
    host.sweep()
    await until(() => host.coreStats().peers === 3)
    expect(host.sweep()).toBe(9)
    expect((await host.freshCoreStats()).swarms).toBe(3)

    host.closed(ib)
    await until(() => host.coreStats().peers === 0)
    expect((await host.freshCoreStats()).swarms).toBe(0)
    host.closed(ia)
  })
})
