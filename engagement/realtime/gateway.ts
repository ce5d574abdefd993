// startGateway: the hub, the features' hooks, a transport (uWS or ws), and the tick, tail-check and presence loops.
import { randomBytes } from 'node:crypto'
import { healthBody, createRegistry } from '../../common/metrics.ts'
import { compileTrustedProxies } from '../../common/client-address.ts'
import type { Ctx } from '../context.ts'
import { admitUpgrade, stillModerator } from './admission.ts'
import { Hub } from './hub.ts'
import { nextTickDelayMs } from './limits.ts'
import { clearPresence, reportPresence } from './presence.ts'
import { realtimeTokenKey } from './token.ts'
import type { HttpReply, Listening } from './transport-types.ts'
import { listenUws, loadUws } from './transport-uws.ts'
import { listenWs } from './transport-ws.ts'
import type { GatewayHooks } from './types.ts'

/** A feature's registration on the gateway (e.g. `registerPollsGateway`). */
export type GatewayFeature = (hooks: GatewayHooks, ctx: Ctx) => void

/** A running gateway. */
export interface Gateway {
  port: number
  transport: 'uws' | 'ws'
  /** Random id of this instance (presence). */
  instanceId: string
  hub: Hub
  close(): Promise<void>
}

/** Overrides for tests. */
export interface GatewayOptions {
  port?: number
  transport?: 'uws' | 'ws'
}

/** A loop that runs `fn` every `periodMs` (aligned to the wall clock when `aligned`), never two at once. */
function loop(periodMs: number, aligned: boolean, fn: () => Promise<void>): () => void {
  let timer: NodeJS.Timeout | null = null
  let stopped = false
  const schedule = (): void => {
    if (stopped) return
    timer = setTimeout(
      () => {
        void fn()
          .catch(() => undefined)
          .finally(schedule)
      },
      aligned ? nextTickDelayMs(Date.now(), periodMs) : periodMs,
    )
    timer.unref()
  }
  schedule()
  return () => {
    stopped = true
    if (timer !== null) clearTimeout(timer)
  }
}

/**
 * Starts the real-time gateway on `config.gatewayPort` with the service's {@link Ctx} (same db, kv,
 * login sessions and config as the API), registering each feature's hooks.
 */
export async function startGateway(ctx: Ctx, features: readonly GatewayFeature[], opts: GatewayOptions = {}): Promise<Gateway> {
  const config = ctx.config
  const registry = createRegistry('gateway')
  const instanceId = randomBytes(8).toString('hex')
  const hub = new Hub({ config, db: ctx.db, kv: ctx.kv, log: ctx.log, now: ctx.now, registry })
  for (const f of features) f(hub.hooks, ctx)
  const startedAtMs = Date.now()
  const tokenKey = realtimeTokenKey(config)
  const trusted = compileTrustedProxies(config.trustedProxies)
  const admissionDeps = { config, db: ctx.db, loginSessions: ctx.loginSessions, now: ctx.now, tokenKey, trusted }

  const http = async (path: string): Promise<HttpReply> => {
    if (path === '/health') return { status: '200 OK', type: 'application/json', body: healthBody('gateway', startedAtMs, Date.now(), { connections: hub.connections, events: hub.hooks.localEvents().length }) }
    if (path === '/metrics') return { status: '200 OK', type: registry.contentType, body: await registry.metrics() }
    return { status: '404 Not Found', type: 'application/json', body: JSON.stringify({ error: 'NOT_FOUND', message: 'WebSocket at /v1/events/<eventId>; GET /health, /metrics' }) }
  }
  const transportDeps = {
    host: config.host,
    port: opts.port ?? config.gatewayPort,
    hub,
    http,
    idleTimeoutSec: config.gatewayIdleTimeoutSec,
    closeAboveBytes: config.gatewayCloseAboveBytes,
    trustedProxies: config.trustedProxies,
    admit: async (req: Parameters<typeof admitUpgrade>[1]) => {
      const a = await admitUpgrade(admissionDeps, req)
      if (a.ok) await hub.prepare(a.identity.eventId)
      return a
    },
  }
  const wanted = opts.transport ?? config.gatewayTransport
  const uws = wanted === 'uws' ? await loadUws() : undefined
  if (wanted === 'uws' && uws === undefined) ctx.log.warn('uWebSockets.js did not load here; the gateway runs on ws')
  const listening: Listening = uws !== undefined ? await listenUws(uws, transportDeps) : await listenWs(transportDeps)

  const stopTick = loop(config.gatewayTickMs, true, async () => {
    await hub.registry.tick(ctx.now())
    hub.sweepSlow()
  })
  const stopTail = loop(config.gatewayTailCheckMs, false, async () => {
    try {
      await hub.streams.tailCheck()
    } catch (err) {
      ctx.log.warn({ err: (err as Error).message }, 'gateway tail check failed')
    }
  })
  const stopRecheck = loop(config.gatewayModeratorRecheckSec * 1000, false, () => hub.recheckModerators((who) => stillModerator(admissionDeps, who)))
  let reported = new Set<string>()
  const stopPresence = loop(config.gatewayPresenceMs, true, async () => {
    try {
      const counts = hub.localCounts()
      const totals = await reportPresence(ctx.kv, instanceId, counts, config.gatewayPresenceMs * 3)
      for (const [eventId, viewers] of totals) hub.broadcast(eventId, { type: 'presence', viewers }, 'public')
      for (const eventId of reported) if (!counts.has(eventId)) await clearPresence(ctx.kv, instanceId, eventId)
      reported = new Set(counts.keys())
    } catch (err) {
      ctx.log.warn({ err: (err as Error).message }, 'gateway presence failed')
    }
  })

  let closing: Promise<void> | null = null
  return {
    port: listening.port,
    transport: listening.transport,
    instanceId,
    hub,
    close: () => {
      closing ??= (async () => {
        stopTick()
        stopTail()
        stopPresence()
        stopRecheck()
        await listening.close()
        await hub.streams.close()
        for (const eventId of reported) await clearPresence(ctx.kv, instanceId, eventId).catch(() => undefined)
      })()
      return closing
    },
  }
}
