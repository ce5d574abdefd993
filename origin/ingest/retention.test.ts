/** Integration: an ended angle stays served for `endedRetentionSec`, then its URLs answer 404. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadOriginConfig } from '../config.ts'
import { startOrigin, type OriginHandle } from '../server.ts'
import { startSyntheticCamera, type SyntheticCamera } from '../demo/cameras.ts'

const KEY = { key: 'retain-key-001', event: 'retain', angle: 'main' }
const LADDER = [{ name: 'xs', width: 128, height: 72, videoBitrateKbps: 100, audioBitrateKbps: 48, fps: 30 }]
const ADMIN = 'admin-token-retention'
const RETENTION_SEC = 3

let origin: OriginHandle
const cameras: SyntheticCamera[] = []
const url = (path: string): string => `http://127.0.0.1:${origin.httpPort}${path}`
const status = async (path: string): Promise<number> => (await fetch(url(path))).status

beforeAll(async () => {
  const config = loadOriginConfig({
    overrides: { host: '127.0.0.1', httpPort: 0, rtmpPort: 0, srtPort: 0, logLevel: 'silent', streamKeys: [KEY], ladder: LADDER, adminToken: ADMIN, endedRetentionSec: RETENTION_SEC },
  })
  origin = await startOrigin(config)
})

afterAll(async () => {
  await Promise.all(cameras.map((c) => c.stop()))
  await origin.close()
})

describe('ended angle retention', () => {
  it('serves the ended playlist during the retention, then 404 for playlists and media', async () => {
    const cam = startSyntheticCamera({ url: `rtmp://127.0.0.1:${origin.rtmpPort}/live/${KEY.key}`, label: 'x', width: 128, height: 72, durationSec: 30 })
    cameras.push(cam)
    const playlist = '/live/retain/main/xs/index.m3u8'
    let body = ''
    for (const until = Date.now() + 20_000; Date.now() < until && !body.includes('#EXTINF'); ) {
      const res = await fetch(url(playlist))
      body = res.status === 200 ? await res.text() : ''
      if (!body.includes('#EXTINF')) await new Promise((r) => setTimeout(r, 200))
    }
    expect(body).toContain('#EXTINF')
    const part = /URI="([^"]+-p\d+\.m4s)"/.exec(body)?.[1] ?? ''
    expect(part).not.toBe('')
    const partPath = `/live/retain/main/xs/${part}`

    const ended = await fetch(url('/admin/streams/end'), { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` }, body: '{"event":"retain"}' })
    expect(ended.status).toBe(200)
    const endedAt = Date.now()
    await cam.exited
    expect(await (await fetch(url(playlist))).text()).toContain('#EXT-X-ENDLIST')
    expect(await status(partPath)).toBe(200)
    expect(await status('/live/retain/main/master.m3u8')).toBe(200)

    let gone = 0
    while (gone !== 404 && Date.now() - endedAt < RETENTION_SEC * 1000 + 10_000) {
      await new Promise((r) => setTimeout(r, 250))
      gone = await status(playlist)
    }
    expect(gone).toBe(404)
    // Not before the retention ran out (the sweep runs once a second).
    expect(Date.now() - endedAt).toBeGreaterThanOrEqual(RETENTION_SEC * 1000 - 250)
    expect(await status(partPath)).toBe(404)
    expect(await status('/live/retain/main/master.m3u8')).toBe(404)
    expect(await status('/live/retain/angles.json')).toBe(404)
  }, 60_000)
})
