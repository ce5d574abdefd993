/**
 * Integration: the real origin on ephemeral ports, real ffmpeg publishers over RTMP and SRT,
 * live LL-HLS playlists checked with hls-parser.
 */
import { execFileSync } from 'node:child_process'
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import HLS from 'hls-parser'
import type { MasterPlaylist, MediaPlaylist } from 'hls-parser/types.js'
import type { FragmentSink, StreamTarget } from './contract.ts'
import { loadOriginConfig } from './config.ts'
import { startOrigin, type OriginHandle } from './server.ts'
import { startSyntheticCamera, type SyntheticCamera } from './demo/cameras.ts'
import { parseInit } from './packager/mp4-boxes.ts'

const KEYS = [
  { key: 'rtmp-key-0001', event: 'itest', angle: 'main', label: 'Main' },
  { key: 'srt-key-00002', event: 'itest', angle: 'wide', label: 'Wide' },
  { key: 'drop-key-0003', event: 'itest', angle: 'drop', label: 'Drop' },
  { key: 'end-key-00004', event: 'ender', angle: 'main', label: 'Ender' },
  { key: 'crash-key-005', event: 'itest', angle: 'crash', label: 'Crash' },
]
const ADMIN = 'admin-token-for-tests'
const LADDER = [
  { name: 'lo', width: 192, height: 108, videoBitrateKbps: 200, audioBitrateKbps: 48, fps: 30 },
  { name: 'xs', width: 128, height: 72, videoBitrateKbps: 100, audioBitrateKbps: 48, fps: 30 },
]

interface Call {
  kind: keyof FragmentSink
  target: StreamTarget
  bytes?: Uint8Array
}

let origin: OriginHandle
const calls: Call[] = []
const cameras: SyntheticCamera[] = []
const recorder: FragmentSink = {
  begin: (target) => calls.push({ kind: 'begin', target }),
  init: (target, _r, bytes) => calls.push({ kind: 'init', target, bytes }),
  fragment: (target) => calls.push({ kind: 'fragment', target }),
  discontinuity: (target) => calls.push({ kind: 'discontinuity', target }),
  end: (target) => calls.push({ kind: 'end', target }),
}
const callsFor = (angle: string, kind: keyof FragmentSink): number => calls.filter((c) => c.target.angle === angle && c.kind === kind).length

function camera(url: string, durationSec: number): SyntheticCamera {
  const c = startSyntheticCamera({ url, label: 'test', width: 192, height: 108, fps: 30, durationSec })
  cameras.push(c)
  return c
}
const rtmpUrl = (key: string): string => `rtmp://127.0.0.1:${origin.rtmpPort}/live/${key}`
const srtUrl = (key: string): string => `srt://127.0.0.1:${origin.srtPort}?streamid=publish:${key}`
const base = (): string => `http://127.0.0.1:${origin.httpPort}`

async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v !== undefined) return v
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

async function text(path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(base() + path)
  return { status: res.status, body: await res.text() }
}

async function mediaPlaylist(event: string, angle: string): Promise<{ raw: string; pl: MediaPlaylist; master: MasterPlaylist; uri: string }> {
  const m = await text(`/live/${event}/${angle}/master.m3u8`)
  if (m.status !== 200) throw new Error(`master ${m.status}`)
  const master = HLS.parse(m.body) as MasterPlaylist
  const uri = new URL(master.variants[0]?.uri ?? '', `${base()}/live/${event}/${angle}/master.m3u8`).pathname
  const r = await text(uri)
  return { raw: r.body, pl: HLS.parse(r.body) as MediaPlaylist, master, uri }
}

/** Waits until the angle's playlist lists at least `segments` complete segments. */
function liveWith(event: string, angle: string, segments: number): Promise<Awaited<ReturnType<typeof mediaPlaylist>>> {
  return waitFor(`${event}/${angle} with ${segments} segments`, async () => {
    try {
      const p = await mediaPlaylist(event, angle)
      return p.pl.segments.filter((s) => s.duration > 0).length >= segments ? p : undefined
    } catch {
      return undefined
    }
  })
}

beforeAll(async () => {
  const config = loadOriginConfig({
    overrides: { host: '127.0.0.1', httpPort: 0, rtmpPort: 0, srtPort: 0, logLevel: 'warn', graceMs: 5000, rtmpHandshakeTimeoutMs: 2000, streamKeys: KEYS, ladder: LADDER, adminToken: ADMIN },
  })
  origin = await startOrigin(config, { sink: recorder })
})

afterAll(async () => {
  await Promise.all(cameras.map((c) => c.stop()))
  await origin.close()
})

describe('origin ingest → LL-HLS', () => {
  it('publishes over RTMP and serves live LL-HLS playlists', async () => {
    const cam = camera(rtmpUrl('rtmp-key-0001'), 8)
    const { raw, pl, master, uri } = await liveWith('itest', 'main', 2)
    for (const v of master.variants) {
      expect(v.bandwidth).toBeGreaterThan(0)
      expect(v.codecs).toMatch(/avc1\.[0-9a-fA-F]{6}/)
      expect(v.resolution?.width).toBeGreaterThan(0)
      expect(v.frameRate).toBeGreaterThan(0)
    }
    expect(master.variants).toHaveLength(2)
    const partTarget = pl.partTargetDuration ?? 0
    expect(partTarget).toBeGreaterThanOrEqual(0.2)
    expect(pl.lowLatencyCompatibility?.canBlockReload).toBe(true)
    expect(pl.lowLatencyCompatibility?.partHoldBack ?? 0).toBeGreaterThanOrEqual(3 * partTarget - 1e-9)
    expect(raw).toMatch(/#EXT-X-SERVER-CONTROL:.*HOLD-BACK=/)
    expect(raw).toMatch(/CAN-SKIP-UNTIL=/)
    expect(raw.match(/#EXT-X-PRELOAD-HINT/g)).toHaveLength(1)
    expect(raw.match(/#EXT-X-RENDITION-REPORT/g)).toHaveLength(1)
    expect(raw).toMatch(/#EXT-X-MAP:URI=/)
    expect(raw).toMatch(/INDEPENDENT=YES/)
    const complete = pl.segments.filter((s) => s.duration > 0)
    for (const s of complete) expect(s.programDateTime).toBeInstanceOf(Date)
    const lastPdt = complete[complete.length - 1]?.programDateTime?.getTime() ?? 0
    expect(Math.abs(Date.now() - lastPdt)).toBeLessThan(10_000)
    expect(pl.endlist).toBe(false)

    // Blocking reload: ask for the next segment's first part; the answer must contain it.
    const next = (pl.mediaSequenceBase ?? 0) + pl.segments.length
    const blocked = await text(`${uri}?_HLS_msn=${next}&_HLS_part=0`)
    expect(blocked.status).toBe(200)
    const after = HLS.parse(blocked.body) as MediaPlaylist
    expect((after.mediaSequenceBase ?? 0) + after.segments.length).toBeGreaterThanOrEqual(next)

    const angles = JSON.parse((await text('/live/itest/angles.json')).body) as unknown
    expect(JSON.stringify(angles)).toContain('Main')
    expect(await cam.exited).toBe(0)
  })

  it('publishes over SRT through the key-checking proxy', async () => {
    const cam = camera(srtUrl('srt-key-00002'), 7)
    const { pl, raw } = await liveWith('itest', 'wide', 2)
    expect(raw.match(/#EXT-X-PRELOAD-HINT/g)).toHaveLength(1)
    expect(pl.segments.filter((s) => s.duration > 0).every((s) => s.programDateTime !== undefined)).toBe(true)
    // The bounded probe must still find SRT's audio.
    const init = calls.find((c) => c.kind === 'init' && c.target.angle === 'wide')?.bytes ?? new Uint8Array()
    const info = parseInit(init)
    expect(info.ok && info.value.tracks.map((t) => t.kind).sort()).toEqual(['audio', 'video'])
    expect(await cam.exited).toBe(0)
  })

  it.each([
    ['RTMP', (k: string) => rtmpUrl(k)],
    ['SRT', (k: string) => srtUrl(k)],
  ])('refuses an unknown key over %s and transcodes nothing', async (_name, url) => {
    const before = calls.length
    const cam = camera(url('not-a-known-key'), 3)
    expect(await cam.exited).not.toBe(0)
    expect(calls.slice(before).filter((c) => c.kind === 'begin' || c.kind === 'init')).toEqual([])
    const metrics = (await text('/metrics')).body
    expect(metrics).toMatch(/origin_publish_refused_total\{[^}]*reason="UNKNOWN_KEY"[^}]*\} [1-9]/)
  })

  it('refuses a second publisher on a live key', async () => {
    const first = camera(rtmpUrl('end-key-00004'), 30)
    await liveWith('ender', 'main', 1)
    const beginsBefore = callsFor('main', 'begin')
    const second = camera(srtUrl('end-key-00004'), 3)
    expect(await second.exited).not.toBe(0)
    const again = camera(rtmpUrl('end-key-00004'), 3)
    expect(await again.exited).not.toBe(0)
    expect(callsFor('main', 'begin')).toBe(beginsBefore)
    const metrics = (await text('/metrics')).body
    expect(metrics).toMatch(/protocol="srt",reason="ALREADY_LIVE"[^}]*\} 1/)
    expect(metrics).toMatch(/protocol="rtmp",reason="ALREADY_LIVE"[^}]*\} 1/)

    // Operator end: the publisher is dropped within 2 s and the playlist ends.
    const unauthorized = await fetch(`${base()}/admin/streams/end`, { method: 'POST', body: '{"event":"ender"}' })
    expect(unauthorized.status).toBe(401)
    const t0 = Date.now()
    const res = await fetch(`${base()}/admin/streams/end`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` }, body: '{"event":"ender"}' })
    expect(res.status).toBe(200)
    await first.exited
    expect(Date.now() - t0).toBeLessThan(2000)
    const { pl } = await mediaPlaylist('ender', 'main')
    expect(pl.endlist).toBe(true)
  })

  it('resumes after a discontinuity when the publisher returns in time, and ends after the grace period', async () => {
    const first = camera(rtmpUrl('drop-key-0003'), 4)
    await liveWith('itest', 'drop', 1)
    await first.exited
    const second = camera(srtUrl('drop-key-0003'), 5)
    const withDisc = await waitFor('discontinuity', async () => {
      const p = await mediaPlaylist('itest', 'drop')
      const idx = p.pl.segments.findIndex((s) => s.discontinuity === true)
      return idx >= 0 && p.pl.segments.slice(idx).filter((s) => s.duration > 0).length >= 1 ? p : undefined
    })
    expect(withDisc.raw).toContain('#EXT-X-DISCONTINUITY')
    expect(withDisc.pl.endlist).toBe(false)
    expect(callsFor('drop', 'discontinuity')).toBe(1)
    expect(callsFor('drop', 'begin')).toBe(1)
    await second.exited
    const ended = await waitFor('ENDLIST', async () => {
      const p = await mediaPlaylist('itest', 'drop')
      return p.pl.endlist ? p : undefined
    })
    expect(ended.raw).not.toContain('#EXT-X-PRELOAD-HINT')
    expect(callsFor('drop', 'end')).toBe(1)
  })

  it('restarts a crashed transcoder under a live RTMP publisher, after a discontinuity', async () => {
    const cam = camera(rtmpUrl('crash-key-005'), 30)
    await liveWith('itest', 'crash', 1)
    const ps = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' })
    const line = ps.split('\n').find((l) => l.includes('pipe:0') && l.includes('-f flv'))
    const pid = Number(line?.trim().split(/\s+/)[0])
    expect(pid).toBeGreaterThan(0)
    const initsBefore = callsFor('crash', 'init')
    process.kill(pid, 'SIGKILL')
    await waitFor('a fresh init after the restart', () => (callsFor('crash', 'init') > initsBefore ? true : undefined))
    expect(callsFor('crash', 'discontinuity')).toBe(1)
    expect((await text('/metrics')).body).toMatch(/origin_ffmpeg_restarts_total\{[^}]*angle="crash"[^}]*\} 1/)
    const p = await waitFor('a segment after the discontinuity', async () => {
      const m = await mediaPlaylist('itest', 'crash')
      const i = m.pl.segments.findIndex((x) => x.discontinuity === true)
      return i >= 0 && m.pl.segments.slice(i).some((x) => x.duration > 0) ? m : undefined
    })
    expect(p.pl.endlist).toBe(false)
    await cam.stop()
  })

  it('closes RTMP connections that send garbage or stall, and keeps serving', async () => {
    const garbage = connect(origin.rtmpPort, '127.0.0.1')
    const closed1 = new Promise<void>((r) => garbage.once('close', () => r()))
    garbage.on('error', () => undefined)
    garbage.resume()
    garbage.write(Buffer.concat([Buffer.from([3]), Buffer.alloc(3072, 0x5a), Buffer.from('not an rtmp chunk stream at all '.repeat(50))]))
    const stalled = connect(origin.rtmpPort, '127.0.0.1')
    stalled.on('error', () => undefined)
    stalled.resume()
    const closed2 = new Promise<number>((r) => {
      const t0 = Date.now()
      stalled.once('close', () => r(Date.now() - t0))
    })
    await closed1
    expect(await closed2).toBeLessThan(5000)
    expect((await text('/health')).status).toBe(200)
  })
})

describe('origin with an SRT passphrase', () => {
  let secured: OriginHandle
  const begins: string[] = []
  const securedCalls: FragmentSink = { ...recorder, begin: (t) => begins.push(t.angle) }
  beforeAll(async () => {
    const config = loadOriginConfig({
      overrides: { host: '127.0.0.1', httpPort: 0, rtmpPort: 0, srtPort: 0, logLevel: 'warn', srtPassphrase: 'correct-horse-battery', streamKeys: KEYS, ladder: LADDER.slice(1) },
    })
    secured = await startOrigin(config, { sink: securedCalls })
  })
  afterAll(async () => {
    await secured.close()
  })

  it('refuses a wrong passphrase and accepts the right one', async () => {
    const url = (pass: string): string => `srt://127.0.0.1:${secured.srtPort}?streamid=publish:srt-key-00002&passphrase=${pass}`
    const wrong = startSyntheticCamera({ url: url('wrong-passphrase-1'), label: 'x', width: 128, height: 72, durationSec: 3 })
    cameras.push(wrong)
    expect(await wrong.exited).not.toBe(0)
    // Checked at the proxy from the KMREQ: no stream began, so no transcoder ran.
    expect(begins).toEqual([])
    const right = startSyntheticCamera({ url: url('correct-horse-battery'), label: 'x', width: 128, height: 72, durationSec: 4 })
    cameras.push(right)
    const seen = await waitFor('encrypted stream playlist', async () => {
      const res = await fetch(`http://127.0.0.1:${secured.httpPort}/live/itest/wide/xs/index.m3u8`)
      const body = await res.text()
      return res.status === 200 && body.includes('#EXTINF') ? body : undefined
    })
    expect(seen).toContain('#EXT-X-PART:')
    expect(begins).toEqual(['wide'])
    expect(await right.exited).toBe(0)
  })
})


describe('origin publish rate limit', () => {
  let limited: OriginHandle
  beforeAll(async () => {
    const config = loadOriginConfig({ overrides: { host: '127.0.0.1', httpPort: 0, rtmpPort: 0, srtPort: 0, logLevel: 'warn', publishAttemptsPerMinute: 2, streamKeys: KEYS } })
    limited = await startOrigin(config)
  })
  afterAll(async () => {
    await limited.close()
  })

  it('refuses key checks beyond the per-address budget', async () => {
    for (let i = 0; i < 3; i++) {
      const cam = startSyntheticCamera({ url: `rtmp://127.0.0.1:${limited.rtmpPort}/live/guess-${i}-xxxxxxxx`, label: 'x', width: 128, height: 72, durationSec: 2 })
      cameras.push(cam)
      expect(await cam.exited).not.toBe(0)
    }
    const metrics = await (await fetch(`http://127.0.0.1:${limited.httpPort}/metrics`)).text()
    expect(metrics).toMatch(/protocol="rtmp",reason="UNKNOWN_KEY"[^}]*\} 2/)
    expect(metrics).toMatch(/protocol="rtmp",reason="RATE_LIMITED"[^}]*\} 1/)
  })
})
