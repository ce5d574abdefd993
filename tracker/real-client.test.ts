/**
 * Compatibility with the real client: two bittorrent-tracker clients (the library inside
 * p2p-media-loader-core) find each other through our tracker and open a WebRTC data channel
 * (@roamhq/wrtc through the webrtc-polyfill shim).
 */
import { afterAll, describe, it } from 'vitest'
import { startTracker, type RunningTracker } from './server.ts'
import { loadTrackerConfig } from './config.ts'
import { createLogger } from '../common/log.ts'

interface TrackerPeer {
  id: string
  once(event: 'connect', f: () => void): void
  on(event: 'error', f: (err: Error) => void): void
}
interface TrackerClient {
  on(event: 'peer', f: (p: TrackerPeer) => void): void
  on(event: 'update', f: (d: { incomplete: number }) => void): void
  on(event: 'warning' | 'error', f: (err: Error) => void): void
  start(): void
  destroy(): void
}
type ClientCtor = new (opts: Record<string, unknown>) => TrackerClient

// Loaded by name: the package ships no typings.
const clientModule = 'bittorrent-tracker/client'

const MODES = (['uws', 'ws'] as const).flatMap((transport) => [0, 2].map((workers) => ({ transport, workers })))

// Concurrent: each mode has its own tracker and clients, and most of a run is WebRTC waiting.
describe.concurrent.each(MODES)('real bittorrent-tracker clients over $transport with workers=$workers', ({ transport, workers }) => {
  const trackers: RunningTracker[] = []
  const clients: TrackerClient[] = []
  afterAll(async () => {
    for (const c of clients) c.destroy()
    await Promise.all(trackers.map((t) => t.close()))
  })

  it('announce, get each other offered, answer and connect', async ({ expect }) => {
    const Client = ((await import(clientModule)) as { default: ClientCtor }).default
    const tracker = await startTracker(loadTrackerConfig({ overrides: { port: 0, host: '127.0.0.1', transport, workers, allowedOrigins: ['*'] } }), createLogger('t', 'silent'))
    trackers.push(tracker)
    const warnings: string[] = []
    // Different URLs (same namespace) so the two clients do not share one pooled socket, as two browsers would not.
    const make = (name: string, path: string): { client: TrackerClient; connected: Promise<string> } => {
      const client = new Client({
        infoHash: 'ab'.repeat(20),
        peerId: Buffer.from(`-PM0203-${name}`.padEnd(20, 'z')).toString('hex'),
        announce: [`ws://127.0.0.1:${tracker.port}${path}`],
        port: 6881,
        getAnnounceOpts: () => ({ numwant: 5 }),
      })
      clients.push(client)
      client.on('warning', (e) => warnings.push(e.message))
      client.on('error', (e) => warnings.push(e.message))
      const connected = new Promise<string>((resolve) => {
        client.on('peer', (p) => {
          p.on('error', () => undefined)
          p.once('connect', () => resolve(p.id))
        })
      })
      return { client, connected }
    }
    const a = make('a', '')
    const b = make('b', '/announce')
    a.client.start()
    await new Promise((r) => setTimeout(r, 300))
    b.client.start()
    const [aSaw, bSaw] = await Promise.all([a.connected, b.connected])
    expect(aSaw).toBe(Buffer.from('-PM0203-b'.padEnd(20, 'z')).toString('hex'))
    expect(bSaw).toBe(Buffer.from('-PM0203-a'.padEnd(20, 'z')).toString('hex'))
    expect(warnings).toEqual([])
    expect(tracker.stats().counters).toMatchObject({ announces: 2, answers: 1, rejected: 0 })
  }, 40_000)
})
