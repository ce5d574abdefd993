import HLS from 'hls-parser'
import type { MasterPlaylist, MediaPlaylist } from 'hls-parser/types.js'
import { describe, expect, it } from 'vitest'
import type { RenditionSpec } from '../contract.ts'
import { packagerConfig } from './config.ts'
import { createLiveStore, mediaPlaylist, multivariantPlaylist, type LiveStore } from './live-store.ts'
import { renderMediaPlaylist, serverControl, skippableSegments } from './media-playlist.ts'
import { RenditionPackager } from './rendition.ts'
import { loadFixture, synthFragment, synthInit } from './test-media.ts'

HLS.setOptions({ strictMode: true })

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0)

/** Synthetic 90 kHz stream: parts of `frames` frames at 30 fps, keyframe when `key`. */
function synth(parts: [frames: number, key: boolean][], config = packagerConfig()): RenditionPackager {
  const r = new RenditionPackager('v', config)
  r.setInit(synthInit(90000))
  let t = 0
  parts.forEach(([frames, key], i) => {
    r.addFragment(synthFragment(i + 1, t, frames, 3000, key), T0 + Math.round((t / 90000) * 1000))
    t += frames * 3000
  })
  return r
}

const GOP: [number, boolean][] = [
  [10, true],
  [10, false],
  [10, false],
]

describe('renderMediaPlaylist (table)', () => {
  const header = [
    '#EXTM3U',
    '#EXT-X-VERSION:9',
    '#EXT-X-TARGETDURATION:1',
    '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=6,PART-HOLD-BACK=1.071,HOLD-BACK=3',
    '#EXT-X-PART-INF:PART-TARGET=0.357',
  ]
  it.each([
    [
      'live: one complete segment, one part open, hint and report',
      () => synth([...GOP, [10, true]]),
      [
        ...header,
        '#EXT-X-MEDIA-SEQUENCE:0',
        '#EXT-X-DISCONTINUITY-SEQUENCE:0',
        '#EXT-X-MAP:URI="s1-i0.mp4"',
        '#EXT-X-PROGRAM-DATE-TIME:2026-11-25T12:00:00.000Z',
        '#EXT-X-PART:DURATION=0.33333,URI="s1-p0.m4s",INDEPENDENT=YES',
        '#EXT-X-PART:DURATION=0.33333,URI="s1-p1.m4s"',
        '#EXT-X-PART:DURATION=0.33333,URI="s1-p2.m4s"',
        '#EXTINF:1,',
        's1-s0.m4s',
        '#EXT-X-PROGRAM-DATE-TIME:2026-11-25T12:00:01.000Z',
        '#EXT-X-PART:DURATION=0.33333,URI="s1-p3.m4s",INDEPENDENT=YES',
        '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="s1-p4.m4s"',
        '#EXT-X-RENDITION-REPORT:URI="../lo/index.m3u8",LAST-MSN=7,LAST-PART=1',
      ],
    ],
    [
      'ended: ENDLIST, no hint, no reports',
      () => {
        const r = synth([...GOP, [10, true]])
        r.end()
        return r
      },
      [
        ...header,
        '#EXT-X-MEDIA-SEQUENCE:0',
        '#EXT-X-DISCONTINUITY-SEQUENCE:0',
        '#EXT-X-MAP:URI="s1-i0.mp4"',
        '#EXT-X-PROGRAM-DATE-TIME:2026-11-25T12:00:00.000Z',
        '#EXT-X-PART:DURATION=0.33333,URI="s1-p0.m4s",INDEPENDENT=YES',
        '#EXT-X-PART:DURATION=0.33333,URI="s1-p1.m4s"',
        '#EXT-X-PART:DURATION=0.33333,URI="s1-p2.m4s"',
        '#EXTINF:1,',
        's1-s0.m4s',
        '#EXT-X-PROGRAM-DATE-TIME:2026-11-25T12:00:01.000Z',
        '#EXT-X-PART:DURATION=0.33333,URI="s1-p3.m4s",INDEPENDENT=YES',
        '#EXTINF:0.33333,',
        's1-s1.m4s',
        '#EXT-X-ENDLIST',
      ],
    ],
    [
      'discontinuity with a new init: DISCONTINUITY then MAP before the PDT',
      () => {
        const r = synth(GOP)
        r.setInit(synthInit(90000, 1))
        r.addFragment(synthFragment(1, 0, 10, 3000, true), T0 + 5000)
        return r
      },
      [
        ...header,
        '#EXT-X-MEDIA-SEQUENCE:0',
        '#EXT-X-DISCONTINUITY-SEQUENCE:0',
        '#EXT-X-MAP:URI="s1-i0.mp4"',
        '#EXT-X-PROGRAM-DATE-TIME:2026-11-25T12:00:00.000Z',
        '#EXT-X-PART:DURATION=0.33333,URI="s1-p0.m4s",INDEPENDENT=YES',
        '#EXT-X-PART:DURATION=0.33333,URI="s1-p1.m4s"',
        '#EXT-X-PART:DURATION=0.33333,URI="s1-p2.m4s"',
        '#EXTINF:1,',
        's1-s0.m4s',
        '#EXT-X-DISCONTINUITY',
        '#EXT-X-MAP:URI="s1-i1.mp4"',
        '#EXT-X-PROGRAM-DATE-TIME:2026-11-25T12:00:05.000Z',
        '#EXT-X-PART:DURATION=0.33333,URI="s1-p3.m4s",INDEPENDENT=YES',
        '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="s1-p4.m4s"',
        '#EXT-X-RENDITION-REPORT:URI="../lo/index.m3u8",LAST-MSN=7,LAST-PART=1',
      ],
    ],
    [
      'before the first part: only the hint',
      () => {
        const r = new RenditionPackager('v', packagerConfig())
        r.setInit(synthInit(90000))
        return r
      },
      [...header, '#EXT-X-MEDIA-SEQUENCE:0', '#EXT-X-DISCONTINUITY-SEQUENCE:0', '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="s1-p0.m4s"', '#EXT-X-RENDITION-REPORT:URI="../lo/index.m3u8",LAST-MSN=7,LAST-PART=1'],
    ],
  ])('%s', (_label, build, want) => {
    const text = renderMediaPlaylist(build(), { stream: 's1', skip: false, reports: [{ uri: '../lo/index.m3u8', edge: { msn: 7, part: 1 } }] })
    expect(text.split('\n').slice(0, -1)).toEqual(want)
    expect(() => HLS.parse(text)).not.toThrow()
  })

  it('uses a 2 s target duration for 2 s segments', () => {
    const cfg = packagerConfig({ segmentTargetMs: 2000 })
    const r = synth([...GOP, ...GOP, [10, true]], cfg)
    expect(r.listed.map((s) => s.durationSec)).toEqual([2])
    expect(serverControl(r)).toEqual({ targetDurationSec: 2, partTargetSec: 0.357, partHoldBackSec: 1.071, holdBackSec: 6, canSkipUntilSec: 12 })
  })
})

const spec = (name: string, width: number, height: number): RenditionSpec => ({ name, width, height, videoBitrateKbps: 100, audioBitrateKbps: 32, fps: 30 })

/** Feeds `loops` × 4 s of the recorded fixture into two renditions of one angle. */
function liveStore(loops: number): { store: LiveStore; wall: number } {
  const store = createLiveStore(packagerConfig())
  const t = { event: 'demo', angle: 'main' }
  store.begin(t, [spec('hi', 160, 90), spec('lo', 160, 90)], T0)
  const f = loadFixture('av-160x90.cmaf')
  store.init(t, 'hi', f.init)
  store.init(t, 'lo', f.init)
  let wall = T0
  for (let l = 0; l < loops; l++) {
    for (const frag of f.fragments) {
      store.fragment(t, 'hi', frag, Math.round(wall))
      store.fragment(t, 'lo', frag, Math.round(wall))
      wall += 1000 / 3
    }
  }
  return { store, wall }
}

describe('LL-HLS rules on a 60 s live playlist, checked with hls-parser', () => {
  const { store } = liveStore(15)
  const angle = store.angle('demo', 'main')
  if (angle === undefined) throw new Error('no angle')
  const text = mediaPlaylist(angle, 'hi', false) ?? ''
  const pl = HLS.parse(text) as MediaPlaylist
  const ll = pl.lowLatencyCompatibility
  const pt = pl.partTargetDuration ?? 0

  it('server control meets the hold-back and skip minimums', () => {
    expect(pl.version).toBe(9)
    expect(ll?.canBlockReload).toBe(true)
    expect(ll?.partHoldBack).toBeGreaterThanOrEqual(3 * pt)
    expect(ll?.holdBack).toBeGreaterThanOrEqual(3 * pl.targetDuration)
    expect(ll?.canSkipUntil).toBeGreaterThanOrEqual(6 * pl.targetDuration)
  })

  it('window ≥ 30 s, PDT and MAP on every segment, EXTINF within the target duration', () => {
    const complete = pl.segments.filter((s) => s.uri !== '')
    expect(complete.reduce((a, s) => a + s.duration, 0)).toBeGreaterThanOrEqual(30)
    for (const s of pl.segments) expect(s.programDateTime).toBeInstanceOf(Date)
    for (const s of complete) expect(Math.round(s.duration)).toBeLessThanOrEqual(pl.targetDuration)
    expect(pl.segments[0]?.map.uri).toMatch(/-i0\.mp4$/)
  })

  it('parts: ≤ PART-TARGET, ≥ 85 % unless INDEPENDENT or last, listed only for the last 3 target durations', () => {
    const withParts = pl.segments.filter((s) => s.parts.some((p) => !p.hint))
    expect(withParts.length).toBeGreaterThan(0)
    expect(withParts.length).toBeLessThanOrEqual(4)
    for (const s of withParts) {
      const parts = s.parts.filter((p) => !p.hint)
      parts.forEach((p, i) => {
        expect(p.duration ?? 0).toBeLessThanOrEqual(pt)
        if (!p.independent && i < parts.length - 1) expect(p.duration ?? 0).toBeGreaterThanOrEqual(0.85 * pt)
      })
      expect(parts[0]?.independent).toBe(true)
    }
  })

  it('exactly one preload hint (TYPE=PART) and a report for the sibling, consistent with its playlist', () => {
    const hints = text.split('\n').filter((l) => l.startsWith('#EXT-X-PRELOAD-HINT'))
    expect(hints).toHaveLength(1)
    expect(hints[0]).toMatch(/TYPE=PART/)
    expect(pl.renditionReports).toHaveLength(1)
    const lo = HLS.parse(mediaPlaylist(angle, 'lo', false) ?? '') as MediaPlaylist
    const last = lo.segments[lo.segments.length - 1]
    expect(pl.renditionReports[0]).toMatchObject({ uri: '../lo/index.m3u8', lastMSN: last?.mediaSequenceNumber, lastPart: (last?.parts.filter((p) => !p.hint).length ?? 0) - 1 })
  })

  it('delta update skips old segments but keeps CAN-SKIP-UNTIL from the end', () => {
    const r = angle.renditions.get('hi')?.packager
    if (r === undefined) throw new Error('no rendition')
    const n = skippableSegments(r)
    expect(n).toBeGreaterThan(0)
    const delta = mediaPlaylist(angle, 'hi', true) ?? ''
    expect(delta).toContain(`#EXT-X-SKIP:SKIPPED-SEGMENTS=${n}`)
    const d = HLS.parse(delta) as MediaPlaylist
    expect(d.skip).toBe(n)
    const kept = d.segments.filter((s) => s.uri !== '')
    expect(kept.reduce((a, s) => a + s.duration, 0)).toBeGreaterThanOrEqual(6 * pl.targetDuration - 1)
    expect(kept.length + n).toBe(pl.segments.filter((s) => s.uri !== '').length)
  })

  it('is deterministic: the same fixture input renders the same playlists', () => {
    const again = liveStore(15).store.angle('demo', 'main')
    expect(again && mediaPlaylist(again, 'hi', true)).toBe(mediaPlaylist(angle, 'hi', true))
    expect(again && multivariantPlaylist(again)).toBe(multivariantPlaylist(angle))
  })

  it('multivariant: BANDWIDTH, CODECS from the init, RESOLUTION, FRAME-RATE, INDEPENDENT-SEGMENTS', () => {
    const mv = HLS.parse(multivariantPlaylist(angle) ?? '') as MasterPlaylist
    expect(mv.isMasterPlaylist).toBe(true)
    expect(mv.independentSegments).toBe(true)
    expect(mv.variants.map((v) => v.uri)).toEqual(['hi/index.m3u8', 'lo/index.m3u8'])
    for (const v of mv.variants) {
      expect(v.codecs).toBe('avc1.64000b,mp4a.40.2')
      expect(v.resolution).toEqual({ width: 160, height: 90 })
      expect(v.frameRate).toBe(30)
      expect(v.bandwidth).toBeGreaterThanOrEqual(v.averageBandwidth ?? 0)
      expect(v.averageBandwidth).toBeGreaterThan(50_000)
    }
  })
})

describe('every intermediate live playlist passes hls-parser strict mode', () => {
  it('after each of 150 fragments (parts on at most the last 3 segments, hint, reports)', () => {
    const store = createLiveStore(packagerConfig())
    const t = { event: 'demo', angle: 'main' }
    store.begin(t, [spec('hi', 160, 90), spec('lo', 160, 90)], T0)
    const f = loadFixture('av-160x90.cmaf')
    store.init(t, 'hi', f.init)
    store.init(t, 'lo', f.init)
    const angle = store.angle('demo', 'main')
    if (angle === undefined) throw new Error('no angle')
    for (let i = 0; i < 150; i++) {
      const frag = f.fragments[i % f.fragments.length] ?? new Uint8Array(0)
      store.fragment(t, 'hi', frag, T0 + i * 333)
      store.fragment(t, 'lo', frag, T0 + i * 333)
      for (const skip of [false, true]) {
        const pl = HLS.parse(mediaPlaylist(angle, 'hi', skip) ?? '') as MediaPlaylist
        const withParts = pl.segments.filter((s) => s.parts.some((p) => !p.hint))
        expect(withParts.length).toBeLessThanOrEqual(3)
      }
    }
  })
})

describe('live store', () => {
  it('lists angles with labels and liveness; ENDLIST after end', () => {
    const { store, wall } = liveStore(1)
    store.setAngleLabel('demo', 'wide', 'Wide shot')
    store.setAngleLabel('demo', 'main', 'Main stage')
    expect(store.listAngles('demo')).toEqual([
      { id: 'main', label: 'Main stage', live: true },
      { id: 'wide', label: 'Wide shot', live: false },
    ])
    store.end({ event: 'demo', angle: 'main' }, wall)
    expect(store.listAngles('demo')[0]?.live).toBe(false)
    const a = store.angle('demo', 'main')
    expect(a && mediaPlaylist(a, 'hi', false)).toMatch(/#EXT-X-ENDLIST\n$/)
    expect(store.listAngles('other')).toEqual([])
  })

  it('reports refused input through listeners and does not throw', () => {
    const store = createLiveStore(packagerConfig())
    const errors: string[] = []
    store.listen({ error: (_t, _r, e) => errors.push(e.code) })
    const t = { event: 'e', angle: 'a' }
    store.fragment(t, 'hi', new Uint8Array(8), T0)
    store.begin(t, [spec('hi', 160, 90)], T0)
    store.fragment(t, 'hi', new Uint8Array(8), T0)
    store.init(t, 'hi', new Uint8Array([0, 0, 0, 8, 1, 2, 3, 4]))
    expect(errors).toEqual(['NO_INIT', 'NO_INIT', 'NO_MOOV'])
    const a = store.angle('e', 'a')
    expect(a && multivariantPlaylist(a)).toBeNull()
  })

  it('a new begin after end resumes numbering after a discontinuity', () => {
    const { store, wall } = liveStore(1)
    const t = { event: 'demo', angle: 'main' }
    store.end(t, wall)
    store.begin(t, [spec('hi', 160, 90)], wall + 5000)
    const f = loadFixture('av-160x90.cmaf')
    store.init(t, 'hi', f.init)
    for (const frag of f.fragments.slice(0, 3)) store.fragment(t, 'hi', frag, wall + 5000)
    const a = store.angle('demo', 'main')
    const text = (a && mediaPlaylist(a, 'hi', false)) ?? ''
    expect(text).not.toContain('#EXT-X-ENDLIST')
    expect(text).toContain('#EXT-X-DISCONTINUITY\n')
    expect(text).not.toContain('RENDITION-REPORT')
    expect(a?.renditions.get('hi')?.packager.open?.msn).toBe(4)
  })
})
