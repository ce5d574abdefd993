/**
 * Integration: one address (127.0.0.2) opening every RTMP ingest slot with idle or stalled
 * connections does not lock out a real ffmpeg publisher from 127.0.0.1, and the idle sockets are
 * closed at the publish deadline.
 */
import { connect, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadOriginConfig } from '../../config.ts'
import { startOrigin, type OriginHandle } from '../../server.ts'
import { startSyntheticCamera, type SyntheticCamera } from '../../demo/cameras.ts'

const KEY = { key: 'slots-key-0001', event: 'slots', angle: 'main' }
const LADDER = [{ name: 'xs', width: 128, height: 72, videoBitrateKbps: 100, audioBitrateKbps: 48, fps: 30 }]
const DEADLINE_MS = 1500
const LIVE_WITHIN_MS = 15_000

let origin: OriginHandle
const cameras: SyntheticCamera[] = []
const attackers: Socket[] = []

beforeAll(async () => {
  const config = loadOriginConfig({
    overrides: {
      host: '127.0.0.1',
      httpPort: 0,
      rtmpPort: 0,
      srtPort: 0,
      logLevel: 'silent',
      streamKeys: [KEY],
      ladder: LADDER,
      maxIngestConnections: 64,
      // Long enough that, without the per-address cap and publish deadline, the lockout outlasts LIVE_WITHIN_MS.
      rtmpHandshakeTimeoutMs: 30_000,
      rtmpPublishDeadlineMs: DEADLINE_MS,
    },
  })
  origin = await startOrigin(config)
})

afterAll(async () => {
  for (const s of attackers) s.destroy()
  await Promise.all(cameras.map((c) => c.stop()))
  await origin.close()
})

/** Opens a connection from 127.0.0.2; resolves once connected, with a promise of its close time. */
function attacker(stall: boolean): Promise<{ closed: Promise<number> }> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port: origin.rtmpPort, localAddress: '127.0.0.2' })
    attackers.push(s)
    s.on('error', () => undefined)
    s.resume()
    const closed = new Promise<number>((r) => s.once('close', () => r(Date.now())))
    s.once('connect', () => {
      // Half send C0 + part of C1 and stall, half send nothing at all.
      if (stall) s.write(Buffer.concat([Buffer.from([3]), Buffer.alloc(700, 1)]))
      resolve({ closed })
    })
  })
}

describe('RTMP ingest slots', () => {
  it('one address holding every slot does not stop a real publisher; its idle sockets close at the deadline', async () => {
    const t0 = Date.now()
    const closes = await Promise.all(Array.from({ length: 64 }, (_, i) => attacker(i % 2 === 0)))
    // Let the server accept (or refuse) all 64 before the publisher dials.
    await new Promise((r) => setTimeout(r, 300))
    let open = 0
    for (const s of attackers) if (!s.destroyed && s.readyState === 'open') open++
    // The cap let this address keep at most its pending allowance; the rest were refused at accept.
    expect(open).toBeLessThanOrEqual(4)

    const cam = startSyntheticCamera({ url: `rtmp://127.0.0.1:${origin.rtmpPort}/live/${KEY.key}`, label: 'x', width: 128, height: 72, durationSec: 8 })
    cameras.push(cam)
    const until = Date.now() + LIVE_WITHIN_MS
    let body = ''
    while (Date.now() < until && !body.includes('#EXTINF')) {
      const res = await fetch(`http://127.0.0.1:${origin.httpPort}/live/slots/main/xs/index.m3u8`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined)
      body = res?.status === 200 ? await res.text() : ''
      if (!body.includes('#EXTINF')) await new Promise((r) => setTimeout(r, 200))
    }
    expect(body).toContain('#EXTINF')

    const closedAt = await Promise.all(closes.map((c) => c.closed))
    // Every attacker socket is gone by the publish deadline (plus margin), far before the handshake timeout.
    expect(Math.max(...closedAt) - t0).toBeLessThan(DEADLINE_MS + 4000)
    const metrics = await (await fetch(`http://127.0.0.1:${origin.httpPort}/metrics`)).text()
    expect(metrics).toMatch(/origin_publish_refused_total\{[^}]*protocol="rtmp",reason="TOO_MANY_PENDING"[^}]*\} 60/)
    await cam.stop()
  }, 60_000)
})
