/**
 * `startTracker(config)`: wires the host, the transport (uWebSockets.js, or `ws` when uWS cannot
 * load), the expiry sweep and the `/stats`, `/metrics`, `/health` endpoints.
 */
import { Counter, Gauge } from 'prom-client'
import { createLogger, type Logger } from '../common/log.ts'
import { createRegistry, healthBody } from '../common/metrics.ts'
import { assertOriginPolicy, peerTtlSec, type TrackerConfig } from './config.ts'
import { TrackerHost } from './host.ts'
import type { CoreStats } from './core/swarm-core.ts'
import { ShardPool } from './shard-pool.ts'
import { TokenVerifier } from './admission.ts'
import { listenUws, loadUws } from './transport/uws.ts'
import { listenWs } from './transport/ws.ts'
import type { HttpReply } from './transport/types.ts'

/** A running tracker. */
export interface RunningTracker {
  port: number
  /** The transport actually in use. */
  transport: 'uws' | 'ws'
  /**
   * Current figures. With `workers` > 0 the core totals are as of the shards' latest replies and
   * `topSwarms` as of the last {@link freshStats}; `/stats` always serves fresh ones.
   */
  stats(): TrackerStats
  /** Figures as served on `/stats`, asked of every shard. */
  freshStats(): Promise<TrackerStats>
  close(): Promise<void>
}

/** Body of `GET /stats`. */
export interface TrackerStats {
  transport: 'uws' | 'ws'
  /** Swarm-core worker threads (0: the core runs in the main thread). */
  workers: number
  connections: number
  peers: number
  swarms: number
  cells: number
  messagesPerSec: number
  droppedMessages: number
  rejectedMessages: number
  counters: Record<string, number>
  rejectedByCode: Record<string, number>
  /** Largest swarms; `infoHash` is shown as hex of its 20 code units. */
  topSwarms: { infoHash: string; namespace: string; peers: number; cells: number }[]
}

/** Hex of a binary string's code units (code units above 0xff keep 4 digits). */
export function binaryToHex(s: string): string {
  let out = ''
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    out += c > 0xff ? c.toString(16).padStart(4, '0') : c.toString(16).padStart(2, '0')
  }
  return out
}

/** Starts a tracker; resolves once it listens. Rejects with a ConfigError when no Origin policy is set. */
export async function startTracker(config: TrackerConfig, log: Logger = createLogger('tracker', config.logLevel)): Promise<RunningTracker> {
  // Also here, for configs not built by loadTrackerConfig.
  assertOriginPolicy(config)
  const startedAt = Date.now()
  const uws = config.transport === 'uws' ? await loadUws() : undefined
  const shards =
    config.workers > 0
      ? await ShardPool.start(
          config.workers,
          { intervalSec: config.intervalSec, maxOffers: config.maxOffers, cellMaxPeers: config.cellMaxPeers, maxPeersPerConnection: config.maxPeersPerConnection, peerTtlSec: peerTtlSec(config) },
          log,
        )
      : undefined
  const host = new TrackerHost(config, log, Date.now, Math.random, setImmediate, shards)
  const verifier = new TokenVerifier(config)
  let transport: 'uws' | 'ws' = config.transport
  let messagesPerSec = 0
  let lastMessages = 0
  let lastRateAt = Date.now()

  const stats = (fresh?: CoreStats): TrackerStats => {
    const core = fresh ?? host.coreStats(10)
    const c = host.counters
    return {
      transport,
      workers: config.workers,
      connections: host.connections,
      peers: core.peers,
      swarms: core.swarms,
      cells: core.cells,
      messagesPerSec,
      droppedMessages: c.dropped,
      rejectedMessages: c.rejected,
      counters: { ...c },
      rejectedByCode: Object.fromEntries(host.rejectedByCode),
      topSwarms: core.topSwarms.map((s) => ({ ...s, infoHash: binaryToHex(s.infoHash) })),
    }
  }

  const registry = createRegistry('tracker')
  new Gauge({ name: 'tracker_connections', help: 'Open WebSocket connections', registers: [registry], collect() { this.set(host.connections) } })
  new Gauge({ name: 'tracker_peers', help: 'Swarm memberships', registers: [registry], collect() { this.set(host.coreStats(0).peers) } })
  new Gauge({ name: 'tracker_swarms', help: 'Swarms', registers: [registry], collect() { this.set(host.coreStats(0).swarms) } })
  new Gauge({ name: 'tracker_cells', help: 'Cells', registers: [registry], collect() { this.set(host.coreStats(0).cells) } })
  const counterNames = Object.keys(host.counters) as (keyof typeof host.counters)[]
  const exported = new Map<string, number>()
  new Counter({
    name: 'tracker_events_total',
    help: 'Frames by outcome (messages, announces, answers, scrapes, rejected, dropped, rateLimited, oversized, slowClosed, internalErrors)',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      for (const k of counterNames) {
        const delta = host.counters[k] - (exported.get(k) ?? 0)
        if (delta > 0) this.inc({ kind: k }, delta)
        exported.set(k, host.counters[k])
      }
    },
  })

  const http = async (path: string): Promise<HttpReply> => {
    if (path === '/health') return { status: '200 OK', type: 'application/json', body: healthBody('tracker', startedAt, Date.now(), { transport }) }
    if (path === '/stats') return { status: '200 OK', type: 'application/json', body: JSON.stringify(stats(await host.freshCoreStats(10))) }
    if (path === '/metrics') return { status: '200 OK', type: registry.contentType, body: await registry.metrics() }
    return { status: '404 Not Found', type: 'text/plain', body: 'not found' }
  }

  let listening
  try {
    if (uws !== undefined) {
      listening = await listenUws(uws, config, host, verifier, http)
    } else {
      if (config.transport === 'uws') log.warn('uWebSockets.js could not load; using the ws transport')
      transport = 'ws'
      listening = await listenWs(config, host, verifier, http)
    }
  } catch (err) {
    await shards?.close()
    throw err
  }

  const timer = setInterval(
    () => {
      const now = Date.now()
      messagesPerSec = Math.round(((host.counters.messages - lastMessages) * 1000) / Math.max(1, now - lastRateAt))
      lastMessages = host.counters.messages
      lastRateAt = now
      const expired = host.sweep()
      if (expired > 0) log.debug({ expired }, 'expired memberships')
    },
    Math.min(5000, (peerTtlSec(config) * 1000) / 4),
  )
  timer.unref()

  log.info({ port: listening.port, transport, tls: config.tlsCertFile !== '' }, 'tracker listening')
  return {
    port: listening.port,
    transport,
    stats: () => stats(),
    freshStats: async () => stats(await host.freshCoreStats(10)),
    close: async () => {
      clearInterval(timer)
      await listening.close()
      await shards?.close()
    },
  }
}
