import { describe, expect, it } from 'vitest'
import { bufferAhead, catchUp, glassToGlassSec, httpDeadlineMs, quantile, type CatchUpTuning } from './latency.ts'

const T: CatchUpTuning = { targetSec: 2.6, startAboveSec: 0.25, stopAboveSec: 0.05, catchUpRate: 1.1, minBufferSec: 0.5, seekAboveSec: 8 }

describe('glassToGlassSec', () => {
  it.each([
    [10_000, 7_500, 2.5],
    [10_000, 10_000, 0],
    [10_000, null, null],
    [10_000, undefined, null],
    [10_000, Number.NaN, null],
    [10_000, 0, null],
  ])('now=%s pdt=%s → %s', (now, pdt, want) => {
    expect(glassToGlassSec(now, pdt)).toBe(want)
  })
})

describe('catchUp', () => {
  it.each([
    ['on target', 2.6, 2, 1, 1],
    ['slightly above, not started', 2.8, 2, 1, 1],
    ['above start threshold', 2.9, 2, 1, 1.1],
    ['hysteresis keeps speeding', 2.7, 2, 1.1, 1.1],
    ['reached target', 2.64, 2, 1.1, 1],
    ['below target', 2.0, 2, 1, 1],
    ['buffer too short to speed up', 3.5, 0.3, 1, 1],
    ['unknown latency', null, 2, 1.1, 1],
  ] as const)('%s', (_name, latency, buffer, rate, want) => {
    expect(catchUp(latency, buffer, rate, T)).toEqual({ kind: 'rate', rate: want })
  })

  it('seeks to live when far behind', () => {
    expect(catchUp(11, 5, 1, T)).toEqual({ kind: 'seek-live' })
  })
})

describe('bufferAhead', () => {
  it.each([
    [[[0, 10]], 4, 6],
    [[[0, 2], [3, 8]], 4, 4],
    [[[0, 2], [3, 8]], 2.5, 0],
    [[[5, 8]], 4.95, 3.05],
    [[], 1, 0],
  ] as [number, number][][] | never[])('ranges %j at %s', (ranges, pos, want) => {
    expect(bufferAhead(ranges as unknown as [number, number][], pos as unknown as number)).toBeCloseTo(want as unknown as number, 6)
  })
})

describe('quantile', () => {
  it('interpolates and handles empty', () => {
    expect(quantile([], 0.5)).toBeNull()
    expect(quantile([3, 1, 2], 0.5)).toBe(2)
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5)
    expect(quantile([1, 2, 3, 4], 0.95)).toBeCloseTo(3.85, 6)
    expect(quantile([7], 0.95)).toBe(7)
  })
})

describe('httpDeadlineMs', () => {
  it.each([
    ['plenty of time', 12, 10.5, 1, true, 0.5, 1000],
    ['faster playback shortens it', 12, 10.5, 1.1, true, 0.5, 864],
    ['already inside the lead', 12, 11.7, 1, true, 0.5, 0],
    ['segment behind the playhead', 12, 13, 1, true, 0.5, 0],
    ['not playing yet', 12, 0, 1, false, 0.5, 0],
  ] as const)('%s', (_n, start, pos, rate, playing, lead, want) => {
    expect(httpDeadlineMs(start, pos, rate, playing, lead)).toBe(want)
  })
})
