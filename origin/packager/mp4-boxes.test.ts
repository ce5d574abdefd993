import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { codecFromAvcC, codecFromEsds } from './codecs.ts'
import { isSyncSample, parseFragment, parseInit, readBoxes } from './mp4-boxes.ts'
import { loadFixture, synthFragment, synthInit } from './test-media.ts'

describe('parseInit on recorded ffmpeg fixtures', () => {
  it.each([
    ['av-160x90.cmaf', { video: 'avc1.64000b', w: 160, h: 90, audio: 'mp4a.40.2', audioRate: 48000 }],
    ['av-128x72-44k.cmaf', { video: 'avc1.640009', w: 128, h: 72, audio: 'mp4a.40.2', audioRate: 44100 }],
  ] as const)('%s', (name, want) => {
    const init = parseInit(loadFixture(name).init)
    expect(init.ok).toBe(true)
    if (!init.ok) return
    const [v, a] = init.value.tracks
    expect(v).toMatchObject({ trackId: 1, kind: 'video', timescale: 15360, codec: want.video, width: want.w, height: want.h })
    expect(a).toMatchObject({ trackId: 2, kind: 'audio', timescale: want.audioRate, codec: want.audio })
  })
})

describe('parseFragment on recorded ffmpeg fixtures', () => {
  const { init, fragments } = loadFixture('av-160x90.cmaf')
  const info = parseInit(init)
  if (!info.ok) throw new Error(info.error.message)

  it('reads 12 fragments of 10 video frames, keyframe every third, contiguous tfdt', () => {
    expect(fragments).toHaveLength(12)
    let expectedVideoTime = 0
    fragments.forEach((f, i) => {
      const r = parseFragment(f, info.value)
      expect(r.ok).toBe(true)
      if (!r.ok) return
      expect(r.value.sequenceNumber).toBe(i + 1)
      const video = r.value.runs.find((x) => x.trackId === 1)
      const audio = r.value.runs.find((x) => x.trackId === 2)
      expect(video).toMatchObject({ baseDecodeTime: expectedVideoTime, duration: 5120, sampleCount: 10, firstSampleKeyframe: i % 3 === 0 })
      expect(audio?.firstSampleKeyframe).toBe(true)
      // AAC runs 15 or 16 frames of 1024 samples: 0.320–0.341 s.
      expect(audio?.sampleCount === 15 || audio?.sampleCount === 16).toBe(true)
      expectedVideoTime += video?.duration ?? 0
    })
  })

  it.each([
    ['empty input', new Uint8Array(0), 'NO_MOOF'],
    ['short header', new Uint8Array([0, 0, 0]), 'TRUNCATED'],
    ['size past end', new Uint8Array([0, 0, 0, 64, 109, 111, 111, 102]), 'TRUNCATED'],
    ['size below header', new Uint8Array([0, 0, 0, 4, 109, 111, 111, 102]), 'BAD_BOX'],
    ['init bytes given as fragment', init, 'NO_MOOF'],
  ] as const)('refuses %s with a typed error', (_label, bytes, code) => {
    const r = parseFragment(bytes, info.value)
    expect(r.ok ? 'ok' : r.error.code).toBe(code)
  })

  it('refuses a fragment of a track the init does not have', () => {
    const other = parseInit(synthInit(90000))
    if (!other.ok) throw new Error(other.error.message)
    const withTrack2Only = { tracks: other.value.tracks.map((t) => ({ ...t, trackId: 7 })) }
    const r = parseFragment(synthFragment(1, 0, 3, 3000, true), withTrack2Only)
    expect(r.ok ? 'ok' : r.error.code).toBe('UNKNOWN_TRACK')
  })

  it('does not throw on any truncation of a real fragment', () => {
    const f = fragments[1] ?? new Uint8Array(0)
    for (let n = 0; n < f.byteLength; n += 7) expect(() => parseFragment(f.subarray(0, n), info.value)).not.toThrow()
  })
})

describe('parseInit errors', () => {
  it.each([
    ['no moov', new Uint8Array([0, 0, 0, 8, 102, 116, 121, 112]), 'NO_MOOV'],
    ['moov without tracks', new Uint8Array([0, 0, 0, 8, 109, 111, 111, 118]), 'NO_TRACKS'],
    ['truncated', new Uint8Array([0, 0, 1, 0, 109, 111, 111, 118]), 'TRUNCATED'],
  ] as const)('%s', (_label, bytes, code) => {
    const r = parseInit(bytes)
    expect(r.ok ? 'ok' : r.error.code).toBe(code)
  })
})

describe('fMP4 write/parse round trip (property)', () => {
  it('recovers tfdt, sample count, duration and keyframe flag', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.boolean(),
        (timescale, base, samples, dur, key) => {
          const init = parseInit(synthInit(timescale))
          if (!init.ok) return false
          expect(init.value.tracks[0]?.timescale).toBe(timescale)
          const r = parseFragment(synthFragment(3, base, samples, dur, key), init.value)
          expect(r.ok && r.value.runs[0]).toEqual({ trackId: 1, baseDecodeTime: base, duration: samples * dur, sampleCount: samples, firstSampleKeyframe: key })
          return true
        },
      ),
    )
  })

  it('never throws on random bytes or on a real fragment with random bytes flipped', () => {
    const init = parseInit(synthInit(90000))
    if (!init.ok) throw new Error(init.error.message)
    const good = synthFragment(1, 5, 4, 3000, true)
    fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), (b) => (readBoxes(b), parseInit(b), parseFragment(b, init.value), true)))
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(good.byteLength - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), (flips) => {
        const b = good.slice()
        for (const [at, v] of flips) b[at] = v
        parseFragment(b, init.value)
        return true
      }),
    )
  })
})

describe('codec strings', () => {
  it.each([
    [[1, 0x64, 0x00, 0x1f, 0xff], 'avc1.64001f'],
    [[1, 0x42, 0xc0, 0x1e], 'avc1.42c01e'],
    [[1, 0x4d], ''],
  ])('avcC %j → %s', (bytes, want) => {
    expect(codecFromAvcC('avc1', new Uint8Array(bytes))).toBe(want)
  })

  const esds = (dsi: number[], oti = 0x40): Uint8Array => {
    const dcBody = [oti, 0x15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x05, dsi.length, ...dsi]
    const esBody = [0, 1, 0, 0x04, dcBody.length, ...dcBody]
    return new Uint8Array([0x03, 0x80, 0x80, 0x80, esBody.length, ...esBody])
  }
  it.each([
    [esds([0x11, 0x90]), 'mp4a.40.2'],
    [esds([0x2b, 0x8a]), 'mp4a.40.5'],
    [esds([0xf8, 0x0a]), 'mp4a.40.32'],
    [esds([], 0x6b), 'mp4a.6b'],
    [new Uint8Array([0x03, 0x7f]), ''],
  ])('esds → %s', (bytes, want) => {
    expect(codecFromEsds(bytes)).toBe(want)
  })

  it('sync sample flag', () => {
    expect(isSyncSample(0x02000000)).toBe(true)
    expect(isSyncSample(0x01010000)).toBe(false)
  })
})
