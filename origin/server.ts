/**
 * Wires the origin: key stores → ingest (RTMP + SRT fronts, ffmpeg) → fragment sink (the
 * packager's store) → HTTP (LL-HLS routes, /health, /metrics, /admin/streams/end).
 */
import type * as UwsModule from 'uWebSockets.js'
import type { HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js'
import { createLogger, type Logger } from '../common/log.ts'
import { createRegistry, healthBody } from '../common/metrics.ts'
import type { FragmentSink, KeyStore, StreamTarget } from './contract.ts'
import { packagerPart, type OriginConfig } from './config.ts'
import { registerHlsRoutes, registerNotFound } from './http/hls-routes.ts'
import { reply, send } from './http/respond.ts'
import { createLiveStore } from './packager/live-store.ts'
import { bearerOk, parseEndBody } from './ingest/admin.ts'
import { Ingest } from './ingest/ingest.ts'
import { HttpKeyStore } from './ingest/keys/http-key-store.ts'
import { ChainKeyStore, MemoryKeyStore } from './ingest/keys/memory-key-store.ts'
import { createIngestMetrics } from './ingest/metrics.ts'
import { AttemptLimiter } from './ingest/rate-limit.ts'
import { startRtmpServer } from './ingest/rtmp/server.ts'
import { startSrtServer } from './ingest/srt/server.ts'

/** Optional collaborators, for tests and the demo launcher. */
export interface OriginDeps {
  /** Also receives every call the packager store receives (tests record them). */
  sink?: FragmentSink
  /** Extra key store consulted after the configured keys. */
  keys?: KeyStore
  logger?: Logger
}

/** A running origin. */
export interface OriginHandle {
  httpPort: number
  rtmpPort: number
  srtPort: number
  /** The in-memory key store built from `streamKeys` (add/revoke at run time). */
  memoryKeys: MemoryKeyStore
  close(): Promise<void>
}

type Uws = typeof UwsModule

/** Feeds the packager store and an observer (tests) with the same calls. */
function teeSink(a: FragmentSink, b: FragmentSink): FragmentSink {
  return {
    begin(t, r, now) {
      a.begin(t, r, now)
      b.begin(t, r, now)
    },
    init(t, r, bytes) {
      a.init(t, r, bytes)
      b.init(t, r, bytes)
    },
    fragment(t, r, bytes, wall) {
      a.fragment(t, r, bytes, wall)
      b.fragment(t, r, bytes, wall)
    },
    discontinuity(t, now) {
      a.discontinuity(t, now)
      b.discontinuity(t, now)
    },
    end(t, now) {
      a.end(t, now)
      b.end(t, now)
    },
  }
}

/** Starts every listener of the origin; ports of 0 are reported as bound. */
export async function startOrigin(config: OriginConfig, deps: OriginDeps = {}): Promise<OriginHandle> {
  const startedAt = Date.now()
  const logger = deps.logger ?? createLogger('origin', config.logLevel)
  const registry = createRegistry('origin')
  const metrics = createIngestMetrics(registry)
  const memoryKeys = new MemoryKeyStore(config.streamKeys)
  const stores: KeyStore[] = [memoryKeys]
  if (deps.keys !== undefined) stores.push(deps.keys)
  if (config.engagementUrl !== '') stores.push(new HttpKeyStore({ engagementUrl: config.engagementUrl, internalToken: config.internalToken }))
  const packager = packagerPart(config)
  const store = createLiveStore(packager)
  for (const k of config.streamKeys) if (k.label !== undefined) store.setAngleLabel(k.event, k.angle, k.label)
  const sink = deps.sink === undefined ? store : teeSink(store, deps.sink)
  const ladderFor = (t: StreamTarget) => config.ladders[`${t.event}/${t.angle}`] ?? config.ladder

  const ingest = new Ingest({
    keys: new ChainKeyStore(stores),
    sink,
    ladderFor,
    label: (t, label) => store.setAngleLabel(t.event, t.angle, label),
    segmentMs: packager.segmentTargetMs,
    partTargetMs: packager.partTargetMs,
    probeBytes: config.probeBytes,
    analyzeDurationUs: config.analyzeDurationUs,
    x264Preset: config.x264Preset,
    ffmpegPath: config.ffmpegPath,
    graceMs: config.graceMs,
    maxRestarts: config.maxRestarts,
    maxInputBacklogBytes: 16 * 1024 * 1024,
    logger,
    metrics,
    now: () => Date.now(),
  })

  const limiter = new AttemptLimiter(config.publishAttemptsPerMinute)
  const rtmp = await startRtmpServer({
    limiter,
    host: config.host,
    port: config.rtmpPort,
    ingest,
    logger: logger.child({ front: 'rtmp' }),
    handshakeTimeoutMs: config.rtmpHandshakeTimeoutMs,
    publishDeadlineMs: config.rtmpPublishDeadlineMs,
    maxConnections: config.maxIngestConnections,
    maxPendingPerAddress: config.rtmpMaxPendingPerAddress,
    limits: { maxMessageBytes: config.rtmpMaxMessageBytes, maxChunkSize: 1 << 20, maxChunkStreams: 64 },
  })

  const srt = await startSrtServer({
    limiter,
    host: config.host,
    port: config.srtPort,
    ingest,
    logger: logger.child({ front: 'srt' }),
    passphrase: config.srtPassphrase,
    latencyMs: config.srtLatencyMs,
    maxSessions: config.maxIngestConnections,
    idleMs: 5000,
  })

  const uws = ((await import('uWebSockets.js')) as { default: Uws }).default
  const app = uws.App()
  const hls = registerHlsRoutes(app, store)
  app.get('/health', (res) => {
    res.cork(() => res.writeHeader('Content-Type', 'application/json').end(healthBody('origin', startedAt, Date.now())))
  })
  app.get('/metrics', (res) => {
    const r = reply(res)
    registry.metrics().then(
      (body) => send(r, '200 OK', [['Content-Type', registry.contentType]], body),
      (err: unknown) => {
        logger.error({ err: (err as Error).message }, 'metrics failed')
        send(r, '500 Internal Server Error', [['Content-Type', 'text/plain']], 'metrics unavailable')
      },
    )
  })
  app.post('/admin/streams/end', (res, req) => {
    const r = reply(res)
    const authorized = bearerOk(req.getHeader('authorization'), config.adminToken)
    readBody(res, 4096, (raw) => {
      if (!authorized) return send(r, '401 Unauthorized', [['Content-Type', 'application/json']], '{"error":"UNAUTHORIZED"}')
      const event = raw === undefined ? undefined : parseEndBody(raw)
      if (event === undefined) return send(r, '400 Bad Request', [['Content-Type', 'application/json']], '{"error":"BAD_BODY"}')
      const ended = ingest.endEvent(event)
      send(r, '200 OK', [['Content-Type', 'application/json']], JSON.stringify({ event, ended }))
    })
  })
  registerNotFound(app)
  // Ended angles are released `endedRetentionSec` after their end; a second is fine-grained enough.
  const releaseTimer = setInterval(() => store.sweep(Date.now()), 1000)
  releaseTimer.unref()
  const token = await new Promise<us_listen_socket | false>((resolve) => app.listen(config.host, config.httpPort, resolve))
  if (token === false) throw new Error(`origin could not listen on ${config.host}:${config.httpPort}`)
  const httpPort = uws.us_socket_local_port(token)

  return {
    httpPort,
    rtmpPort: rtmp.port,
    srtPort: srt.port,
    memoryKeys,
    close: async () => {
      clearInterval(releaseTimer)
      await rtmp.close()
      await srt.close()
      await ingest.close()
      hls.close()
      uws.us_listen_socket_close(token)
      // close() exists on this build's apps but is missing from its typings.
      ;(app as TemplatedApp & { close?: () => void }).close?.()
    },
  }
}

/** Collects a small request body; `undefined` when it exceeds `limit`. */
function readBody(res: HttpResponse, limit: number, done: (body: string | undefined) => void): void {
  const parts: Buffer[] = []
  let size = 0
  let over = false
  res.onData((chunk, last) => {
    size += chunk.byteLength
    if (size > limit) over = true
    // uWS reuses the chunk's memory after this callback returns: copy it.
    else parts.push(Buffer.from(Buffer.from(chunk)))
    if (last) done(over ? undefined : Buffer.concat(parts).toString('utf8'))
  })
}
