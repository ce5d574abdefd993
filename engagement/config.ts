import { Type, type Static } from 'typebox'
import { loadConfig } from '../common/config.ts'
import { TrustedProxiesSchema } from '../common/client-address.ts'

/** Engagement service configuration; env keys are `ENGAGEMENT_<KEY>` plus `DATABASE_URL` / `REDIS_URL`. */
export const EngagementConfigSchema = Type.Object(
  {
    /** TCP port; 0 picks a free one (tests). */
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
    /** Interface to bind. */
    host: Type.String({ default: '0.0.0.0' }),
    /** pino level. */
    logLevel: Type.String({ default: 'info' }),
    /** Development mode: cookies without `Secure`. */
    dev: Type.Boolean({ default: false }),
    /**
     * Reverse proxies (IPs or CIDR ranges) whose `X-Forwarded-For` hop is believed; the client address
     * (throttles, audit, sessions) is then the first untrusted hop from the right. Empty = the socket peer.
     */
    trustedProxies: TrustedProxiesSchema,
    /** PostgreSQL URL; empty means embedded PGlite. */
    databaseUrl: Type.String({ default: '' }),
    /** PostgreSQL schema to use (tests give each file its own); empty means `public`. */
    databaseSchema: Type.String({ default: '', pattern: '^[a-z_][a-z0-9_]{0,62}$|^$' }),
    /** PGlite data directory (persistent `npm start`); empty means in-memory (tests). */
    pgliteDataDir: Type.String({ default: '.data/engagement-pglite' }),
    /** Redis URL; empty means the in-process store. */
    redisUrl: Type.String({ default: '' }),
    /** Prefix of every kv key (tests isolate themselves with a random one). */
    kvPrefix: Type.String({ default: 'ss:' }),
    /** A session ends after this long without a request. */
    sessionIdleSec: Type.Integer({ minimum: 60, default: 1800 }),
    /** A session ends this long after login regardless of activity. */
    sessionAbsoluteSec: Type.Integer({ minimum: 60, default: 43_200 }),
    /** Idle timeout of a "keep me signed in" session. */
    rememberIdleSec: Type.Integer({ minimum: 60, default: 1_209_600 }),
    /** Absolute lifetime of a "keep me signed in" session. */
    rememberAbsoluteSec: Type.Integer({ minimum: 60, default: 2_592_000 }),
    /** A "keep me signed in" session gets a fresh id after this many seconds. */
    rememberRotateSec: Type.Integer({ minimum: 10, default: 3600 }),
    /** High-sensitivity actions need a second factor within this many seconds. */
    stepUpMaxAgeSec: Type.Integer({ minimum: 10, default: 300 }),
    /** Sign-in attempts one IP may make per 15 minutes, across all accounts. */
    loginPerIpPer15Min: Type.Integer({ minimum: 1, default: 100 }),
    /** Registrations one IP may make per hour. */
    registerPerIpPerHour: Type.Integer({ minimum: 1, default: 20 }),
    /** Session cookie name. */
    cookieName: Type.String({ default: 'ss_session' }),
    /** Largest accepted request body in bytes. */
    bodyLimitBytes: Type.Integer({ minimum: 1024, default: 65_536 }),
    /** Built Svelte app served with SPA fallback when the folder exists. */
    staticDir: Type.String({ default: 'dist/client' }),
    /** Origin admin API base URL (endStream calls `<url>/admin/streams/end`). */
    originAdminUrl: Type.String({ default: 'http://127.0.0.1:8081' }),
    /** Bearer token for the origin admin API. */
    originAdminToken: Type.String({ default: '' }),
    /** Bearer token the origin presents to `/api/internal/*`; empty disables those routes. */
    internalToken: Type.String({ default: '' }),
    /** Secret that encrypts stored stream keys (to reveal them later) and TOTP seeds. */
    dataSecret: Type.String({ minLength: 16, default: 'dev-only-stream-key-secret' }),
    /** Issuer shown in authenticator apps. */
    totpIssuer: Type.String({ default: 'Swarmstage' }),
    /** Public base URL of the origin (LL-HLS), given to viewers; empty = the request's host, port 8081. */
    publicOriginUrl: Type.String({ default: '' }),
    /** Public tracker WebSocket URLs, given to viewers; empty = the request's host, port 8000. */
    publicTrackerUrls: Type.Array(Type.String(), { default: [] }),
    /** WebRTC ICE servers, given to viewers. */
    iceServers: Type.Array(
      Type.Object(
        {
          urls: Type.Union([Type.String(), Type.Array(Type.String())]),
          username: Type.Optional(Type.String()),
          credential: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
      { default: [] },
    ),
  },
  { additionalProperties: false },
)

/** Validated engagement configuration. */
export type EngagementConfig = Static<typeof EngagementConfigSchema>

/**
 * Loads the engagement configuration: schema defaults, then `ENGAGEMENT_*` variables, then the
 * standard unprefixed `DATABASE_URL` / `REDIS_URL`, then `overrides`.
 */
export function loadEngagementConfig(
  env: Record<string, string | undefined> = process.env,
  overrides: Record<string, unknown> = {},
): EngagementConfig {
  const standard: Record<string, unknown> = {}
  if (env.DATABASE_URL !== undefined && env.DATABASE_URL !== '') standard.databaseUrl = env.DATABASE_URL
  if (env.REDIS_URL !== undefined && env.REDIS_URL !== '') standard.redisUrl = env.REDIS_URL
  return loadConfig(EngagementConfigSchema, 'ENGAGEMENT_', { env, overrides: { ...standard, ...overrides } })
}
