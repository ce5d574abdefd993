import { describe, expect, it } from 'vitest'
import { LiveSegmentStore } from './segment-store.ts'

const buf = (n: number): ArrayBuffer => new ArrayBuffer(n)

describe('LiveSegmentStore', () => {
  it('stores, reports and notifies per stream', async () => {
    const s = new LiveSegmentStore({ maxSegmentsPerStream: 3, capacityBytes: 1000 })
    const changed: string[] = []
    s.setSegmentChangeCallback((id) => changed.push(id))
    s.put('sw', 'st1', 5, buf(10), 5, 6)
    await s.storeSegment('sw', 'st2', 5, buf(20), 5, 6)
    expect(s.hasSegment('sw', 'st1', 5)).toBe(true)
    expect(s.hasSegment('sw', 'st1', 6)).toBe(false)
    expect((await s.getSegmentData('sw', 'st2', 5))?.byteLength).toBe(20)
    expect(changed).toEqual(['st1', 'st2'])
    expect(s.getUsage()).toEqual({ totalCapacity: 1000, usedCapacity: 30 })
  })

  it('drops the oldest segments beyond the per-stream limit', () => {
    const s = new LiveSegmentStore({ maxSegmentsPerStream: 2, capacityBytes: 1000 })
    for (const sn of [7, 8, 9]) s.put('sw', 'st', sn, buf(100), sn, sn + 1)
    expect(s.getStoredSegmentIds('sw', 'st').sort()).toEqual([8, 9])
    expect(s.getUsage().usedCapacity).toBe(200)
    s.put('sw', 'st', 9, buf(50), 9, 10)
    expect(s.getUsage().usedCapacity).toBe(150)
  })

  it('destroy empties it', () => {
    const s = new LiveSegmentStore()
    s.put('a', 'b', 1, buf(1), 0, 1)
    s.destroy()
    expect(s.hasSegment('a', 'b', 1)).toBe(false)
    expect(s.getUsage().usedCapacity).toBe(0)
  })
})
