import { describe, expect, it } from 'vitest'
import { ConfigError } from '../common/config.ts'
import { DEFAULT_LADDER, loadOriginConfig, packagerPart } from './config.ts'

describe('origin config', () => {
  it('has the documented defaults', () => {
    const c = loadOriginConfig()
    expect([c.httpPort, c.rtmpPort, c.srtPort, c.graceMs]).toEqual([8081, 1935, 8890, 10_000])
    expect(c.ladder).toEqual(DEFAULT_LADDER)
    expect(c.ladder.map((r) => r.height)).toEqual([720, 360])
    expect([c.probeBytes, c.analyzeDurationUs, c.x264Preset]).toEqual([32_768, 0, 'veryfast'])
  })

  it('composes the packager settings and hands them back', () => {
    const c = loadOriginConfig({ env: { ORIGIN_PART_TARGET_MS: '250', ORIGIN_SEGMENT_TARGET_MS: '2000' } })
    expect(packagerPart(c)).toMatchObject({ partTargetMs: 250, segmentTargetMs: 2000 })
    expect(Object.keys(packagerPart(c))).not.toContain('httpPort')
  })

  it('reads stream keys and ladders as JSON from the environment', () => {
    const c = loadOriginConfig({
      env: {
        ORIGIN_STREAM_KEYS: '[{"key":"abcdefgh12","event":"demo","angle":"main","label":"Main"}]',
        ORIGIN_LADDERS: '{"demo/main":[{"name":"1080p","width":1920,"height":1080,"videoBitrateKbps":5000,"audioBitrateKbps":128,"fps":30}]}',
      },
    })
    expect(c.streamKeys[0]?.angle).toBe('main')
    expect(c.ladders['demo/main']?.[0]?.name).toBe('1080p')
  })

  it.each<[Record<string, string>, RegExp]>([
    [{ ORIGIN_RTMP_PORTT: '1' }, /unknown configuration key ORIGIN_RTMP_PORTT/],
    [{ ORIGIN_GRACE_MS: '-1' }, /graceMs \(ORIGIN_GRACE_MS\)/],
    [{ ORIGIN_LADDER: '[{"name":"x","width":641,"height":360,"videoBitrateKbps":800,"audioBitrateKbps":96,"fps":30}]' }, /ladder\.0\.width/],
    [{ ORIGIN_LADDER: '[]' }, /ladder/],
    [{ ORIGIN_STREAM_KEYS: '[{"key":"short","event":"e","angle":"a"}]' }, /streamKeys\.0\.key/],
    [{ ORIGIN_SRT_PASSPHRASE: 'tooshort' }, /srtPassphrase/],
    [{ ORIGIN_X264_PRESET: 'placebo' }, /x264Preset/],
    [{ ORIGIN_PART_TARGET_MS: '900' }, /partTargetMs/],
  ])('rejects %j', (env, message) => {
    expect(() => loadOriginConfig({ env })).toThrow(ConfigError)
    expect(() => loadOriginConfig({ env })).toThrow(message)
  })
})
