import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { cellsFor, ownerOf, placeViewer, PlacementError, type TrackerInstance } from './placement.ts'
import { namespaceOf } from './admission.ts'

const instances = (n: number): TrackerInstance[] => Array.from({ length: n }, (_, i) => ({ id: `t${i}`, url: `wss://t${i}.example/` }))
const base = { eventId: 'final-2026', locality: 'DE-3320', cellsPerLocality: 4, instances: instances(5) }

describe('placeViewer', () => {
  it('gives the tracker URL with the event namespace the tracker accepts', () => {
    const p = placeViewer({ ...base, viewerKey: 'v1' })
    expect(p.trackerUrl).toMatch(/^wss:\/\/t\d\.example\/e\/final-2026$/)
    expect(namespaceOf(new URL(p.trackerUrl).pathname)).toBe('final-2026')
    expect(p.cell).toMatch(/^final-2026\/DE-3320\/[0-3]$/)
    expect(p.swarmId).toBe(`swarmstage:${p.cell}`)
  })

  it('one cell always lives on one instance, whatever the viewer', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (v1, v2) => {
        const a = placeViewer({ ...base, viewerKey: v1 })
        const b = placeViewer({ ...base, viewerKey: v2 })
        if (a.cell === b.cell) expect(a.instanceId).toBe(b.instanceId)
      }),
    )
  })

  it('removing an instance moves only the cells it owned', () => {
    const cells = Array.from({ length: 400 }, (_, i) => `e/${i}`)
    const all = instances(5)
    const fewer = all.filter((i) => i.id !== 't2')
    for (const c of cells) {
      const before = ownerOf(c, all).id
      if (before !== 't2') expect(ownerOf(c, fewer).id).toBe(before)
    }
  })

  it('spreads cells roughly by weight', () => {
    const weighted = [...instances(3), { id: 'big', url: 'wss://big', weight: 3 }]
    const counts = new Map<string, number>()
    for (let i = 0; i < 6000; i++) {
      const id = ownerOf(`cell-${i}`, weighted).id
      counts.set(id, (counts.get(id) ?? 0) + 1)
    }
    // Expected shares: 1000 each for weight 1, 3000 for weight 3.
    for (const i of ['t0', 't1', 't2']) expect(counts.get(i)).toBeGreaterThan(800)
    expect(counts.get('big')).toBeGreaterThan(2600)
  })

  it('a rendition, when given, gets its own cells', () => {
    expect(placeViewer({ ...base, rendition: '720p', viewerKey: 'v' }).cell).toMatch(/^final-2026\/720p\/DE-3320\/\d$/)
  })

  it('rejects no instances and bad input with typed errors', () => {
    expect(() => placeViewer({ ...base, instances: [], viewerKey: 'v' })).toThrow(PlacementError)
    expect(() => placeViewer({ ...base, eventId: 'a b', viewerKey: 'v' })).toThrow(/eventId/)
    expect(() => placeViewer({ ...base, cellsPerLocality: 0, viewerKey: 'v' })).toThrow(/cellsPerLocality/)
  })

  it('cellsFor sizes cells to the cap', () => {
    expect(cellsFor(0, 1000)).toBe(1)
    expect(cellsFor(1000, 1000)).toBe(1)
    expect(cellsFor(10_000_001, 2000)).toBe(5001)
  })
})
