/**
 * One tracker under test in its own process: `ours` (startTracker, swarm core in the main
 * thread), `ours-sharded` (startTracker with the core sharded over `argv[3]` worker threads,
 * default 2), `reference` (bittorrent-tracker/server, WebSocket only) or `floor` (the bare uWS relay
 * of floor-relay.ts, grouped into `argv[4]` swarms with `argv[5]` frames relayed per announce). Reports `{ port, pid }` over IPC and answers
 * `{ cmd: 'gc' }` with its memory after a full collection (run with --expose-gc), and `{ cmd: 'counters' }`
 * with our host's counters (empty for the reference).
 */
import { createLogger } from '../../common/log.ts'
import { loadTrackerConfig } from '../../tracker/config.ts'
import { startTracker } from '../../tracker/server.ts'
import { startFloorRelay } from './floor-relay.ts'

interface ReferenceServer {
  http: { address(): { port: number } | null | string }
  listen(port: number, host: string, cb: () => void): void
  on(event: string, f: (...args: unknown[]) => void): void
  close(cb: () => void): void
}

// Loaded by name: the package ships no typings.
const referenceModule = 'bittorrent-tracker/server'

async function start(kind: string, workers: number): Promise<{ port: number; close: () => Promise<void>; counters?: () => Record<string, number> }> {
  if (kind === 'ours' || kind === 'ours-sharded') {
    const config = loadTrackerConfig({
      env: process.env,
      overrides: { port: 0, host: '127.0.0.1', workers: kind === 'ours' ? 0 : workers, rateLimitPerSec: 100000, rateLimitBurst: 100000, maxConnections: 1000000, logLevel: 'warn', allowedOrigins: ['*'] },
    })
    const t = await startTracker(config, createLogger('tracker', 'warn'))
    return { port: t.port, close: t.close, counters: () => t.stats().counters }
  }
  if (kind === 'floor') return startFloorRelay({ groups: Number(process.argv[4] ?? 40), fanout: Number(process.argv[5] ?? 5) })
  const Server = ((await import(referenceModule)) as { default: new (opts: Record<string, unknown>) => ReferenceServer }).default
  const server = new Server({ udp: false, http: false, ws: true, stats: false, trustProxy: false })
  server.on('warning', () => undefined)
  server.on('error', () => undefined)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const addr = server.http.address()
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

const kind = process.argv[2] ?? 'ours'
const running = await start(kind, Number(process.argv[3] ?? 2))
process.send?.({ port: running.port, pid: process.pid })
process.on('message', (msg: { cmd: string }) => {
  if (msg.cmd === 'gc') {
    const gc = (globalThis as { gc?: () => void }).gc
    gc?.()
    gc?.()
    process.send?.({ gc: gc !== undefined, ...process.memoryUsage() })
  } else if (msg.cmd === 'counters') {
    process.send?.({ counters: running.counters?.() ?? {} })
  } else if (msg.cmd === 'stop') {
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
})
process.on('disconnect', () => process.exit(0))
// A clean exit on SIGTERM lets --cpu-prof write its profile.
process.on('SIGTERM', () => process.exit(0))
