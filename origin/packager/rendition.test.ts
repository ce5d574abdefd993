import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { packagerConfig } from './config.ts'
import { parseFragment } from './mp4-boxes.ts'
import { RenditionPackager, type Segment } from './rendition.ts'
import { loadFixture, synthFragment, synthInit } from './test-media.ts'

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0)

function feedFixture(r: RenditionPackager, loops: number, startWall = T0): number {
  const f = loadFixture('av-160x90.cmaf')
  const init = r.setInit(f.init)
  if (!init.ok) throw new Error(init.error.message)
  let wall = startWall
  for (let l = 0; l < loops; l++) {
    for (const frag of f.fragments) {
      const res = r.addFragment(frag, Math.round(wall))
      if (!res.ok) throw new Error(res.error.message)
      wall += 1000 / 3
    }
  }
  return wall
}

const allSegments = (r: RenditionPackager): Segment[] => [...r.retired.map((x) => x.segment), ...r.listed, ...(r.open ? [r.open] : [])]

describe('RenditionPackager on the recorded fixture', () => {
  it('turns each fragment into a part and closes 1 s segments on keyframe parts', () => {
    const r = new RenditionPackager('hi', packagerConfig())
    feedFixture(r, 1)
    expect(r.listed.map((s) => s.msn)).toEqual([0, 1, 2])
    expect(r.open?.msn).toBe(3)
    for (const s of allSegments(r)) {
      expect(s.parts.map((p) => p.independent)).toEqual([true, false, false])
      expect(s.durationSec).toBeCloseTo(1, 9)
      expect(s.parts.every((p) => Math.abs(p.durationSec - 1 / 3) < 1e-9)).toBe(true)
    }
    expect(r.nextPartSeq).toBe(12)
    expect(r.edge).toEqual({ msn: 3, part: 2 })
    // A complete segment's bytes are its parts' bytes back to back.
    const s0 = r.listed[0]
    expect(s0?.bytes?.byteLength).toBe(s0?.parts.reduce((a, p) => a + (p.bytes?.byteLength ?? 0), 0))
  })

  it('takes PDT from the wall clock of the segment’s first part', () => {
    const r = new RenditionPackager('hi', packagerConfig())
    feedFixture(r, 1)
    expect(r.listed.map((s) => s.pdtMs - T0)).toEqual([0, 1000, 2000])
  })

  it('keeps a 30 s window, lists parts for 3 target durations and keeps part files 3 more', () => {
    const r = new RenditionPackager('hi', packagerConfig())
    feedFixture(r, 15) // 60 s
    const listedSec = r.listed.reduce((a, s) => a + s.durationSec, 0)
    expect(listedSec).toBeGreaterThanOrEqual(30)
    expect(listedSec - (r.listed[0]?.durationSec ?? 0)).toBeLessThan(30)
    const withPartLines = r.listed.filter((s) => r.listsParts(s)).map((s) => s.msn)
    expect(withPartLines).toEqual([57, 58])
    // Parts of segments that left the part list are still downloadable for 3 more target durations.
    expect(r.segment(56)?.parts.every((p) => r.part(p.seq)?.bytes != null)).toBe(true)
    expect(r.segment(54)?.parts.every((p) => r.part(p.seq)?.bytes != null)).toBe(true)
    expect(r.segment(53)?.parts.every((p) => r.part(p.seq) === undefined)).toBe(true)
    // Segments that left the window stay downloadable a while, then go.
    const firstListed = r.listed[0]?.msn ?? 0
    expect(r.segment(firstListed - 1)?.bytes).not.toBeNull()
    expect(r.segment(firstListed - 5)).toBeUndefined()
  })

  it('starts a discontinuity with a new init and counts pruned discontinuities', () => {
    const r = new RenditionPackager('hi', packagerConfig())
    let wall = feedFixture(r, 1)
    const other = loadFixture('av-128x72-44k.cmaf')
    expect(r.setInit(other.init).ok).toBe(true)
    for (const frag of other.fragments) expect(r.addFragment(frag, (wall += 333)).ok).toBe(true)
    const disc = allSegments(r).filter((s) => s.discontinuity)
    expect(disc.map((s) => [s.msn, s.initId])).toEqual([[4, 1]])
    expect(r.discontinuitySequence).toBe(0)
    // A third init (back to the first bytes) is a second discontinuity; then 40 s more push both out.
    const discMsns = new Set(disc.map((s) => s.msn))
    for (const loops of [1, 9]) {
      wall = feedFixture(r, loops, wall)
      for (const s of allSegments(r)) if (s.discontinuity) discMsns.add(s.msn)
      const first = r.listed[0]?.msn ?? 0
      const pruned = [...discMsns].filter((m) => m < first).length
      expect(r.discontinuitySequence).toBe(pruned)
    }
    expect(r.discontinuitySequence).toBe(2)
  })

  it('ends: closes the open segment and refuses later fragments', () => {
    const r = new RenditionPackager('hi', packagerConfig())
    feedFixture(r, 1)
    const closed = r.end()
    expect(closed?.msn).toBe(3)
    expect(r.open).toBeNull()
    const res = r.addFragment(loadFixture('av-160x90.cmaf').fragments[0] ?? new Uint8Array(0), T0)
    expect(res.ok ? 'ok' : res.error.code).toBe('ENDED')
  })

  it.each([
    ['fragment before init', (r: RenditionPackager) => r.addFragment(synthFragment(1, 0, 1, 1, true), 0), 'NO_INIT'],
    ['garbage fragment', (r: RenditionPackager) => (r.setInit(synthInit(90000)), r.addFragment(new Uint8Array([1, 2, 3]), 0)), 'TRUNCATED'],
    ['oversized fragment', (r: RenditionPackager) => (r.setInit(synthInit(90000)), r.addFragment(new Uint8Array(2048), 0)), 'TOO_LARGE'],
    ['empty run', (r: RenditionPackager) => (r.setInit(synthInit(90000)), r.addFragment(synthFragment(1, 0, 0, 1, true), 0)), 'EMPTY_FRAGMENT'],
  ] as const)('refuses %s with a typed error and keeps going', (_l, act, code) => {
    const r = new RenditionPackager('hi', packagerConfig({ maxFragmentBytes: 1024 }))
    const res = act(r)
    expect(res.ok ? 'ok' : res.error.code).toBe(code)
    expect(r.nextPartSeq).toBe(0)
  })

  it('is deterministic: the same input gives the same segments and bytes', () => {
    const a = new RenditionPackager('hi', packagerConfig())
    const b = new RenditionPackager('hi', packagerConfig())
    feedFixture(a, 3)
    feedFixture(b, 3)
    expect(allSegments(a)).toEqual(allSegments(b))
  })
})

describe('PART-TARGET covers whole-frame video parts plus an AAC frame', () => {
  it.each([
    [333, undefined, 0.357],
    [333, 30, 0.358],
    [333, 60, 0.358],
    [333, 25, 0.384],
    [333, 50, 0.364],
    [200, 30, 0.224],
    [500, 30, 0.524],
  ])('partTargetMs %d at %s fps → %d s', (partTargetMs, fps, want) => {
    const r = new RenditionPackager('v', packagerConfig({ partTargetMs }), fps)
    expect(r.partTargetSec).toBe(want)
  })

  it('every part of the recorded 30 fps fixture (video and audio tracks) fits PART-TARGET', () => {
    const r = new RenditionPackager('hi', packagerConfig(), 30)
    feedFixture(r, 1)
    const init = r.currentInit
    if (init === undefined) throw new Error('no init')
    for (const frag of loadFixture('av-160x90.cmaf').fragments) {
      const f = parseFragment(frag, init.info)
      if (!f.ok) throw new Error(f.error.message)
      for (const run of f.value.runs) {
        const ts = init.info.tracks.find((t) => t.trackId === run.trackId)?.timescale ?? 1
        expect(run.duration / ts).toBeLessThanOrEqual(r.partTargetSec)
      }
    }
  })
})

describe('part and segment boundaries (property)', () => {
  const TS = 90000
  const FRAME = 3000 // 30 fps
  const frag = fc.record({ frames: fc.integer({ min: 1, max: 15 }), key: fc.boolean() })

  it('segments close exactly on the first keyframe part at or past the target', () => {
    fc.assert(
      fc.property(fc.array(frag, { minLength: 1, maxLength: 120 }), fc.constantFrom(1000, 1500, 2000), (frags, segmentTargetMs) => {
        const r = new RenditionPackager('p', packagerConfig({ segmentTargetMs, windowSec: 600 }))
        r.setInit(synthInit(TS))
        let t = 0
        frags.forEach((f, i) => {
          const res = r.addFragment(synthFragment(i + 1, t, f.frames, FRAME, f.key), 0)
          expect(res.ok).toBe(true)
          t += f.frames * FRAME
        })
        const segs = allSegments(r)
        let seq = 0
        let position = 0
        segs.forEach((s, si) => {
          let acc = 0
          s.parts.forEach((p, pi) => {
            expect(p.seq).toBe(seq++)
            expect([p.msn, p.index]).toEqual([s.msn, pi])
            // No part inside a segment could have started a new one.
            if (pi > 0) expect(p.independent && acc * 1000 >= segmentTargetMs - 1).toBe(false)
            acc += p.durationSec
          })
          expect(s.durationSec).toBeCloseTo(acc, 9)
          expect(s.startSec).toBeCloseTo(position, 9)
          position += s.durationSec
          if (si > 0) {
            expect(s.parts[0]?.independent).toBe(true)
            const prev = segs[si - 1]
            expect((prev?.durationSec ?? 0) * 1000).toBeGreaterThanOrEqual(segmentTargetMs - 1)
          }
        })
        expect(position).toBeCloseTo(t / TS, 6)
        expect(r.edgeSec).toBeCloseTo(t / TS, 6)
      }),
      { numRuns: 200 },
    )
  })
})
