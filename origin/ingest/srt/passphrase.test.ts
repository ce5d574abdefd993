/**
 * Integration: with `srtPassphrase`, an encrypted ffmpeg SRT publish goes live while the loopback
 * ffmpeg transcoder gets plaintext from the proxy and never sees the passphrase on its command line.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadOriginConfig } from '../../config.ts'
import { startOrigin, type OriginHandle } from '../../server.ts'
import { startSyntheticCamera, type SyntheticCamera } from '../../demo/cameras.ts'

const PASSPHRASE = 'proc-cmdline-secret-42'
const KEY = { key: 'srt-pass-key-1', event: 'srtpass', angle: 'main' }
const LADDER = [{ name: 'xs', width: 128, height: 72, videoBitrateKbps: 100, audioBitrateKbps: 48, fps: 30 }]

let origin: OriginHandle
const cameras: SyntheticCamera[] = []

beforeAll(async () => {
  const config = loadOriginConfig({
    overrides: { host: '127.0.0.1', httpPort: 0, rtmpPort: 0, srtPort: 0, logLevel: 'silent', srtPassphrase: PASSPHRASE, streamKeys: [KEY], ladder: LADDER },
  })
  origin = await startOrigin(config)
})

afterAll(async () => {
  await Promise.all(cameras.map((c) => c.stop()))
  await origin.close()
})

describe('SRT passphrase', () => {
  it('goes live encrypted; the transcoder ffmpeg has no passphrase in /proc/<pid>/cmdline', async () => {
    const cam = startSyntheticCamera({
      url: `srt://127.0.0.1:${origin.srtPort}?streamid=publish:${KEY.key}&passphrase=${PASSPHRASE}&pbkeylen=32`,
      label: 'x',
      width: 128,
      height: 72,
      durationSec: 8,
    })
    cameras.push(cam)
    let body = ''
    for (const until = Date.now() + 20_000; Date.now() < until && !body.includes('#EXTINF'); ) {
      const res = await fetch(`http://127.0.0.1:${origin.httpPort}/live/srtpass/main/xs/index.m3u8`)
      body = res.status === 200 ? await res.text() : ''
      if (!body.includes('#EXTINF')) await new Promise((r) => setTimeout(r, 200))
    }
    expect(body).toContain('#EXT-X-PART:')

    // The transcoder is our child reading the loopback SRT listener; the camera is the caller.
    const ps = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' })
    const line = ps.split('\n').find((l) => l.includes('mode=listener'))
    const pid = Number(line?.trim().split(/\s+/)[0])
    expect(pid).toBeGreaterThan(0)
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    expect(cmdline).toContain('srt://127.0.0.1:')
    expect(cmdline).not.toContain(PASSPHRASE)
    expect(cmdline).not.toContain('passphrase')
    expect(readFileSync(`/proc/${pid}/environ`, 'utf8')).not.toContain(PASSPHRASE)
    expect(await cam.exited).toBe(0)
  }, 40_000)
})
