import { describe, expect, it } from 'vitest'
import { flvTag } from '../rtmp/flv.ts'
import { WallClockAnchor, flvTagTimestamp } from './anchor.ts'

describe('WallClockAnchor', () => {
  it('is unknown before any media', () => {
    expect(new WallClockAnchor().get()).toBeUndefined()
  })

  it('corrects a late first sample from later, earlier-arriving ones', () => {
    const a = new WallClockAnchor()
    a.media(0, 10_300) // delayed by a start-up burst
    a.media(40, 10_100)
    a.media(80, 10_120)
    expect(a.get()).toBe(10_040)
  })

  it.each([
    [0, 0],
    [0x123456, 0x123456],
    [0x89abcdef, 0x89abcdef],
  ])('reads FLV tag timestamp %i', (ts, expected) => {
    expect(flvTagTimestamp(flvTag(9, ts, Uint8Array.of(0x17, 1)))).toBe(expected)
  })

  it('ignores script tags and headers', () => {
    expect(flvTagTimestamp(flvTag(18, 5, Uint8Array.of(2)))).toBeUndefined()
    expect(flvTagTimestamp(Uint8Array.from([0x46, 0x4c, 0x56, 1, 5, 0, 0, 0, 9, 0, 0, 0, 0]))).toBeUndefined()
  })
})
