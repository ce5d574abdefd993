/** Integration: a failing key store refuses the publisher (typed reason) and the origin keeps serving. */
import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { KeyStore } from '../contract.ts'
import { loadOriginConfig } from '../config.ts'
import { startOrigin, type OriginHandle } from '../server.ts'
import { startSyntheticCamera, type SyntheticCamera } from '../demo/cameras.ts'

const LADDER = [{ name: 'xs', width: 128, height: 72, videoBitrateKbps: 100, audioBitrateKbps: 48, fps: 30 }]
const GOOD = { key: 'good-key-00001', event: 'kfail', angle: 'main' }

let engagement: Server
let origin: OriginHandle
const cameras: SyntheticCamera[] = []

/** A key store whose backend is down: every lookup rejects (the origin must not crash). */
const rejecting: KeyStore = {
  authorize: (k) => (k.startsWith('throw') ? Promise.reject(new Error('key backend down')) : Promise.resolve({ ok: false, reason: 'UNKNOWN_KEY' })),
}

function camera(url: string, durationSec: number): SyntheticCamera {
  const c = startSyntheticCamera({ url, label: 'x', width: 128, height: 72, durationSec })
  cameras.push(c)
  return c
}

async function metrics(): Promise<string> {
  return (await fetch(`http://127.0.0.1:${origin.httpPort}/metrics`)).text()
}

beforeAll(async () => {
  // A real HTTP engagement stand-in that fails in three ways, chosen by the stream key.
  engagement = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      const key = (JSON.parse(body) as { streamKey: string }).streamKey
      if (key.startsWith('http500')) res.writeHead(500).end('internal error')
      else if (key.startsWith('garbage')) res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":tru')
      else if (key.startsWith('reset')) req.socket.destroy()
      else res.writeHead(404, { 'content-type': 'application/json' }).end('{"ok":false,"reason":"UNKNOWN_KEY"}')
    })
  })
  await new Promise<void>((r) => engagement.listen(0, '127.0.0.1', () => r()))
  const addr = engagement.address()
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0
  const config = loadOriginConfig({
    overrides: {
      host: '127.0.0.1',
      httpPort: 0,
      rtmpPort: 0,
      srtPort: 0,
      logLevel: 'silent',
      streamKeys: [GOOD],
      ladder: LADDER,
      engagementUrl: `http://127.0.0.1:${port}`,
      internalToken: 'internal',
    },
  })
  origin = await startOrigin(config, { keys: rejecting })
})

afterAll(async () => {
  await Promise.all(cameras.map((c) => c.stop()))
  await origin.close()
  await new Promise<void>((r) => engagement.close(() => r()))
})

describe('key store failures', () => {
  it('refuses publishers whose key lookup rejects or fails, then still admits and serves a good one', async () => {
    const failing = ['throw-key-0001', 'http500-key-01', 'garbage-key-01', 'reset-key-0001']
    for (const key of failing) {
      const cam = camera(`rtmp://127.0.0.1:${origin.rtmpPort}/live/${key}`, 3)
      expect(await cam.exited).not.toBe(0)
    }
    const srt = camera(`srt://127.0.0.1:${origin.srtPort}?streamid=publish:throw-key-0002`, 3)
    expect(await srt.exited).not.toBe(0)
    const m = await metrics()
    expect(m).toMatch(/origin_publish_refused_total\{[^}]*protocol="rtmp",reason="KEY_STORE_UNAVAILABLE"[^}]*\} 4/)
    expect(m).toMatch(/origin_publish_refused_total\{[^}]*protocol="srt",reason="KEY_STORE_UNAVAILABLE"[^}]*\} 1/)

    camera(`rtmp://127.0.0.1:${origin.rtmpPort}/live/${GOOD.key}`, 6)
    const until = Date.now() + 20_000
    let body = ''
    while (Date.now() < until && !body.includes('#EXTINF')) {
      const res = await fetch(`http://127.0.0.1:${origin.httpPort}/live/kfail/main/xs/index.m3u8`)
      body = res.status === 200 ? await res.text() : ''
      await new Promise((r) => setTimeout(r, 200))
    }
    expect(body).toContain('#EXTINF')
  })
})
