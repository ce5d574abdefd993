import { describe, expect, it } from 'vitest'
import { catchUpFor, coreConfigFor, hlsConfigFor, swarmIdFor, TUNED } from './delivery-config.ts'

const peers = { trackerUrls: ['ws://127.0.0.1:9'], iceServers: [{ urls: 'stun:127.0.0.1:3478' }] }
const ids = { swarmId: 'http://o/live/e/a/master.m3u8', peerId: '-SS0100-abcdefghijkl' }

describe('coreConfigFor', () => {
  it.each(['tuned', 'stock'] as const)('%s always uses our trackers and ICE servers', (d) => {
    const c = coreConfigFor('live', d, peers, ids)
    expect(c?.announceTrackers).toEqual(peers.trackerUrls)
    expect(c?.rtcConfig).toEqual({ iceServers: peers.iceServers })
    expect(c?.swarmId).toBe(ids.swarmId)
  })

  it('off has no P2P', () => {
    expect(coreConfigFor('live', 'off', peers, ids)).toBeNull()
  })

  it('tuned live uses short windows, our peer id and no random HTTP prefetch', () => {
    const c = coreConfigFor('live', 'tuned', peers, ids)
    expect(c?.highDemandTimeWindow).toBe(TUNED.highDemandSec)
    expect(c?.httpDownloadTimeWindow).toBe(0)
    expect(c?.trackerClientVersionPrefix).toBe(ids.peerId)
  })

  it('stock leaves the library windows alone', () => {
    expect(coreConfigFor('live', 'stock', peers, ids)).not.toHaveProperty('highDemandTimeWindow')
  })
})

describe('hlsConfigFor', () => {
  it('live plays complete segments at the target and never creeps after stalls', () => {
    const h = hlsConfigFor('live', 'tuned')
    expect(h.lowLatencyMode).toBe(false)
    expect(h.liveSyncOnStallIncrease).toBe(0)
    expect(h.liveSyncDuration).toBeLessThan(TUNED.liveTargetSec)
    // Setting maxBufferLength stops the P2P engine from overriding the buffer.
    expect(h.maxBufferLength).toBeGreaterThan(0)
  })

  it('ultra-low loads parts', () => {
    const h = hlsConfigFor('ultra-low', 'tuned')
    expect(h.lowLatencyMode).toBe(true)
    expect(h.liveSyncDuration).toBeLessThan(TUNED.ultraLowTargetSec)
  })

  it('stock keeps hls.js defaults', () => {
    expect(hlsConfigFor('live', 'stock')).not.toHaveProperty('liveSyncDuration')
  })
})

describe('catchUpFor / swarmIdFor', () => {
  it('targets per mode', () => {
    expect(catchUpFor('live').targetSec).toBe(TUNED.liveTargetSec)
    expect(catchUpFor('ultra-low').targetSec).toBe(TUNED.ultraLowTargetSec)
  })

  it('swarm id drops the query', () => {
    expect(swarmIdFor('http://o/live/e/a/master.m3u8?token=x')).toBe('http://o/live/e/a/master.m3u8')
    expect(swarmIdFor('http://o/x.m3u8')).toBe('http://o/x.m3u8')
  })
})
