import { existsSync } from 'node:fs'
import { resolve, sep } from 'node:path'
import Fastify, { type FastifyBaseLogger } from 'fastify'
import cookie from '@fastify/cookie'
import swagger from '@fastify/swagger'
import fastifyStatic from '@fastify/static'
import { TypeBoxValidatorCompiler, registerAjvFormats, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Counter } from 'prom-client'
import type { EngagementConfig } from './config.ts'
import type { Ctx } from './context.ts'
import type { App } from './platform/app-type.ts'
import type { Db } from './platform/db.ts'
import type { Kv } from './platform/kv.ts'
import { LoginSessions } from './accounts/login-sessions.ts'
import type { Logger } from '../common/log.ts'
import { createEngagementLogger } from './platform/log-redaction.ts'
import { createRegistry } from '../common/metrics.ts'
import { openDatabase, openKv } from './platform/storage.ts'
import { createThrottles } from './platform/rate-limits.ts'
import { createAudit } from './audit/audit-log.ts'
import { ApiError, registerErrors, registerForwardedGuard, registerRequestGuard, registerInputGuard } from './platform/errors.ts'
import { registerSessionAuth } from './accounts/session-auth.ts'
import { registerSecurityHeaders } from './platform/security-headers.ts'
import { createOriginAdmin, type OriginAdmin } from './events/origin-admin.ts'
import { compileTrustedProxies } from '../common/client-address.ts'
import { loginRoutes } from './accounts/login-routes.ts'
import { totpRoutes } from './accounts/totp-routes.ts'
import { loginSessionRoutes } from './accounts/login-session-routes.ts'
import { eventRoutes } from './events/event-routes.ts'
import { streamKeyRoutes } from './events/stream-key-routes.ts'
import { liveRoutes } from './events/live-routes.ts'
import { monetizationRoutes } from './monetization/monetization-routes.ts'
import { auditRoutes } from './audit/audit-routes.ts'
import { internalRoutes } from './events/key-authorize-routes.ts'
import { metaRoutes } from './meta/meta-routes.ts'
import { playbackRoutes } from './playback/playback-routes.ts'
import { createRealtimePublisher } from './realtime/publisher.ts'
import { pollRoutes } from './interaction/polls/poll-routes.ts'
import { talkRoutes } from './interaction/talk.ts'
import { profileRoutes } from './accounts/profile-routes.ts'
import { realtimeTokenRoutes } from './realtime/token-routes.ts'
import { startGateway, type Gateway, type GatewayFeature } from './realtime/gateway.ts'
import { registerPollsGateway } from './interaction/polls/polls-gateway.ts'
import { registerTalkGateway } from './interaction/talk.ts'
import { registerFeedPrune } from './realtime/feed-prune.ts'

/** Every feature's registration on the real-time gateway (in this service and in `npm run gateway`). */
export const GATEWAY_FEATURES: readonly GatewayFeature[] = [registerPollsGateway, registerTalkGateway]

// Client-side routes of the app: `/`, or segments of URL-safe characters that do not start with a dot.
const APP_ROUTE = /^\/(?:[A-Za-z0-9_~-][A-Za-z0-9._~-]*(?:\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*\/?)?$/

/** Replaceable collaborators; anything not given is built from the config. */
export interface EngagementDeps {
  /** Clock in ms since epoch (tests move it to expire sessions and step-ups). */
  now?: () => number
  db?: Db
  kv?: Kv
  origin?: OriginAdmin
  logger?: Logger
}

/** The app plus what tests want to reach. */
export interface BuiltApp {
  app: App
  ctx: Ctx
}

/** Builds the fastify app (not listening); closing the app closes the db and kv it opened. */
export async function buildApp(config: EngagementConfig, deps: EngagementDeps = {}): Promise<BuiltApp> {
  const now = deps.now ?? Date.now
  const log = deps.logger ?? createEngagementLogger(config.logLevel)
  const db = deps.db ?? (await openDatabase(config))
  const kv = deps.kv ?? (await openKv(config, now))
  const ctx: Ctx = {
    config,
    db,
    kv,
    now,
    log,
    loginSessions: new LoginSessions(kv, config, now),
    throttles: createThrottles(kv, config),
    audit: createAudit(db, now, log),
    origin: deps.origin ?? createOriginAdmin(config.originAdminUrl, config.originAdminToken),
    realtime: createRealtimePublisher(db, kv, log),
  }
  const trusted = compileTrustedProxies(config.trustedProxies)
  const trustedProxy = (addr: string): boolean => trusted(addr)
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: config.bodyLimitBytes,
    // fastify (proxy-addr) walks X-Forwarded-For from the right while the hop is trusted, which is
    // what clientAddress() does; X-Forwarded-Host/-Proto are believed from trusted peers only.
    trustProxy: trustedProxy,
  }).withTypeProvider<TypeBoxTypeProvider>()
  // TypeBox checks every part: bodies exactly as sent (no coercion, unknown properties refused),
  // params and query strings converted to their declared types first.
  registerAjvFormats()
  app.setValidatorCompiler(TypeBoxValidatorCompiler)
  app.addHook('onClose', async () => {
    if (deps.kv === undefined) await kv.close()
    if (deps.db === undefined) await db.close()
  })

  const registry = createRegistry('engagement')
  const requests = new Counter({ name: 'engagement_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'], registers: [registry] })
  app.addHook('onResponse', async (req, reply) => {
    requests.inc({ route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) })
  })

  registerErrors(app)
  registerInputGuard(app)
  registerForwardedGuard(app)
  registerRequestGuard(app)
  registerSecurityHeaders(app, config)
  await app.register(cookie)
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Swarmstage engagement API', version: '0.1.0', description: 'Accounts, sessions, 2FA, events, stream keys, audit.' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: config.cookieName },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
    },
  })
  registerSessionAuth(app, ctx)

  loginRoutes(app, ctx)
  totpRoutes(app, ctx)
  loginSessionRoutes(app, ctx)
  eventRoutes(app, ctx)
  streamKeyRoutes(app, ctx)
  liveRoutes(app, ctx)
  monetizationRoutes(app, ctx)
  auditRoutes(app, ctx)
  internalRoutes(app, ctx)
  playbackRoutes(app, ctx)
  pollRoutes(app, ctx)
  realtimeTokenRoutes(app, ctx)
  talkRoutes(app, ctx)
  profileRoutes(app, ctx)
  metaRoutes(app, ctx, registry, Date.now())
  registerFeedPrune(app, ctx)

  const staticRoot = resolve(config.staticDir)
  const hasStatic = existsSync(resolve(staticRoot, 'index.html'))
  if (hasStatic) {
    await app.register(fastifyStatic, {
      root: staticRoot,
      wildcard: false,
      cacheControl: false,
      // Vite's hashed bundles never change; the HTML that names them must always be revalidated.
      setHeaders: (res, file) => {
        res.setHeader('cache-control', file.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache')
      },
    })
  }
  app.setNotFoundHandler(async (req, reply) => {
    const path = req.url.split('?')[0] ?? ''
    // App routes fall back to index.html; a missing file (e.g. a stale chunk) must be a 404, not HTML,
    // and so must anything that is not a plain path (`*`, `//a:b`, dot segments, escapes, backslashes).
    const isAppRoute = APP_ROUTE.test(path) && !path.startsWith('/api/') && path !== '/api' && !path.startsWith('/assets/') && !/\.[A-Za-z0-9]+$/.test(path)
    if (hasStatic && (req.method === 'GET' || req.method === 'HEAD') && isAppRoute) return reply.sendFile('index.html')
    throw new ApiError(404, 'NOT_FOUND', `no route ${req.method} ${path.slice(0, 200)}`)
  })
  await app.ready()
  return { app, ctx }
}

/** A running engagement service. */
export interface EngagementServer {
  port: number
  app: App
  /** The real-time gateway started with it (`gatewayEnabled`), else null. */
  gateway: Gateway | null
  close(): Promise<void>
}

/**
 * Builds the app and listens on `config.host:config.port` (0 = ephemeral); with `gatewayEnabled`
 * the real-time gateway starts beside it on `gatewayPort`, sharing the same {@link Ctx}.
 */
export async function startEngagement(config: EngagementConfig, deps: EngagementDeps = {}): Promise<EngagementServer> {
  const { app, ctx } = await buildApp(config, deps)
  let gateway: Gateway | null = null
  try {
    await app.listen({ port: config.port, host: config.host })
    if (config.gatewayEnabled) {
      gateway = await startGateway(ctx, GATEWAY_FEATURES)
      // Port 0 asked for a free one: client-config and the CSP (same config object) must name the one it got.
      if (config.gatewayPort === 0) config.gatewayPort = gateway.port
    }
  } catch (err) {
    await gateway?.close()
    await app.close()
    throw err
  }
  const addr = app.server.address()
  const port = typeof addr === 'object' && addr !== null ? addr.port : config.port
  return {
    port,
    app,
    gateway,
    close: async () => {
      await gateway?.close()
      await app.close()
    },
  }
}
