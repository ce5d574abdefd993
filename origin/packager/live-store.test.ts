import { describe, expect, it } from 'vitest'
import type { RenditionSpec } from '../contract.ts'
import { packagerConfig } from './config.ts'
import { type AngleState, createLiveStore, mediaPlaylist } from './live-store.ts'
import { loadFixture } from './test-media.ts'

const fixture = loadFixture('av-160x90.cmaf')
const spec = (name: string): RenditionSpec => ({ name, width: 160, height: 90, videoBitrateKbps: 100, audioBitrateKbps: 32, fps: 30 })
const T0 = 1_764_000_000_000

/** One stream on `target`: begin at `nowMs`, `n` fragments per rendition, end `n / 3` seconds later. */
function cycle(store: ReturnType<typeof createLiveStore>, target: { event: string; angle: string }, nowMs: number, n: number): number {
  store.begin(target, [spec('hi'), spec('lo')], nowMs)
  store.init(target, 'hi', fixture.init)
  store.init(target, 'lo', fixture.init)
  for (let i = 0; i < n; i++) {
    const frag = fixture.fragments[i % fixture.fragments.length] ?? new Uint8Array()
    store.fragment(target, 'hi', frag, nowMs + Math.round((i * 1000) / 3))
    store.fragment(target, 'lo', frag, nowMs + Math.round((i * 1000) / 3))
  }
  const endMs = nowMs + Math.round((n * 1000) / 3)
  store.end(target, endMs)
  return endMs
}

describe('live store: ended angles are released after endedRetentionSec', () => {
  it('keeps held angles and bytes bounded over hundreds of start/end cycles on distinct angles (fake clock)', () => {
    const store = createLiveStore(packagerConfig({ endedRetentionSec: 60 }))
    const released: string[] = []
    store.listen({ release: (a: AngleState) => released.push(`${a.event}/${a.angle}`) })
    let now = T0
    let peakAngles = 0
    let peakBytes = 0
    let oneStreamBytes = 0
    for (let i = 0; i < 400; i++) {
      // A new event every cycle: without release each one would stay in memory for ever.
      now = cycle(store, { event: `ev${i}`, angle: 'main' }, now, 12) + 6_000
      const u = store.usage()
      if (i === 0) oneStreamBytes = u.bytes
      peakAngles = Math.max(peakAngles, u.angles)
      peakBytes = Math.max(peakBytes, u.bytes)
    }
    expect(oneStreamBytes).toBeGreaterThan(0)
    // Cycles are 10 s apart, so about 60 / 10 + 1 ended angles are within their retention at once.
    expect(peakAngles).toBeLessThanOrEqual(8)
    expect(peakBytes).toBeLessThanOrEqual(8 * oneStreamBytes)
    expect(released.length).toBeGreaterThanOrEqual(390)
    expect(released.slice(0, 2)).toEqual(['ev0/main', 'ev1/main'])
  })

  it('serves an ended angle during its retention, then forgets it; a restart of the same angle is unaffected', () => {
    const store = createLiveStore(packagerConfig({ endedRetentionSec: 60 }))
    const target = { event: 'e', angle: 'main' }
    const endMs = cycle(store, target, T0, 12)
    const a = store.angle('e', 'main')
    expect(a === undefined ? undefined : mediaPlaylist(a, 'hi', false)).toContain('#EXT-X-ENDLIST')
    expect(store.sweep(endMs + 59_999)).toBe(0)
    expect(store.listAngles('e')).toEqual([{ id: 'main', label: 'main', live: false }])
    expect(store.sweep(endMs + 60_000)).toBe(1)
    expect(store.angle('e', 'main')).toBeUndefined()
    expect(store.listAngles('e')).toEqual([])
    expect(store.usage()).toEqual({ angles: 0, renditions: 0, bytes: 0 })

    // A stream that begins again within the retention cancels the release.
    const end2 = cycle(store, target, endMs + 70_000, 6)
    store.begin(target, [spec('hi'), spec('lo')], end2 + 1000)
    expect(store.sweep(end2 + 120_000)).toBe(0)
    expect(store.angle('e', 'main')?.live).toBe(true)
  })

  it('never releases angles that are live or never began', () => {
    const store = createLiveStore(packagerConfig({ endedRetentionSec: 0 }))
    store.setAngleLabel('e', 'wide', 'Wide')
    store.begin({ event: 'e', angle: 'main' }, [spec('hi')], T0)
    expect(store.sweep(T0 + 1e9)).toBe(0)
    expect(store.listAngles('e').map((x) => x.id)).toEqual(['main', 'wide'])
  })
})
