import { describe, expect, it } from 'vitest'
import { packagerConfig } from './config.ts'
import { createLiveStore, multivariantPlaylist } from './live-store.ts'
import { loadFixture } from './test-media.ts'

const target = { event: 'ev', angle: 'cam' }
const ladder = [
  { name: 'hi', width: 160, height: 90, videoBitrateKbps: 300, audioBitrateKbps: 64, fps: 30 },
  { name: 'lo', width: 160, height: 90, videoBitrateKbps: 100, audioBitrateKbps: 32, fps: 30 },
]

describe('multivariant playlist', () => {
  it('declares BANDWIDTH from the ladder and never changes during a stream', () => {
    const fx = loadFixture('av-160x90.cmaf')
    const store = createLiveStore(packagerConfig())
    store.begin(target, ladder, 0)
    for (const r of ladder) store.init(target, r.name, fx.init)
    const angle = store.angle(target.event, target.angle)
    if (angle === undefined) throw new Error('angle missing')
    const first = multivariantPlaylist(angle)
    expect(first).toContain('BANDWIDTH=1060400,AVERAGE-BANDWIDTH=400400')
    expect(first).toContain('BANDWIDTH=365200,AVERAGE-BANDWIDTH=145200')
    fx.fragments.forEach((f, i) => {
      for (const r of ladder) store.fragment(target, r.name, f, Math.round((i * 1000) / 3))
    })
    // p2p-media-loader derives swarm ids from these attributes: a change would split the swarm.
    expect(multivariantPlaylist(angle)).toBe(first)
  })
})
