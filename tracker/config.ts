/**
 * Tracker configuration: one TypeBox schema, validated once at start from `TRACKER_*` variables.
 */
import { Type, type Static } from 'typebox'
import { ConfigError, loadConfig, type ConfigSources } from '../common/config.ts'
import { compileTrustedProxies, TrustedProxiesSchema } from '../common/client-address.ts'

/** Schema of the tracker's configuration; every key has a default except the optional secrets. */
export const TrackerConfigSchema = Type.Object(
  {
    /** TCP port; 0 picks a free one (tests). */
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8000 }),
    /** Address to bind. */
    host: Type.String({ default: '0.0.0.0' }),
    /** `uws` (uWebSockets.js, falls back to `ws` when it cannot load) or `ws`. */
    transport: Type.Union([Type.Literal('uws'), Type.Literal('ws')], { default: 'uws' }),
    /**
     * Swarm-core worker threads. Swarms are sharded across them by hash(namespace, info_hash);
     * sockets, parsing and encoding stay on the main thread. 0 (the default) runs the core in the
     * main thread: measured here, 2 workers cost 1.27–2.05× the CPU per announce for no gain
     * in announces per second (tracker/README.md, "Sharding across cores"). Set it to the number of
     * spare cores (at most 4) only where the main thread saturates a core.
     */
    workers: Type.Integer({ minimum: 0, maximum: 32, default: 0 }),
    /** Announce interval sent to clients, seconds. */
    intervalSec: Type.Integer({ minimum: 5, maximum: 3600, default: 60 }),
    /** Memberships not refreshed for this long are expired; 0 means 2× interval + 15 s. */
    peerTtlSec: Type.Integer({ minimum: 0, maximum: 86400, default: 0 }),
    /** Most offers forwarded per announce. */
    maxOffers: Type.Integer({ minimum: 0, maximum: 32, default: 5 }),
    /** Most peers in one cell of a swarm. */
    cellMaxPeers: Type.Integer({ minimum: 2, maximum: 100000, default: 1000 }),
    /** Most peer_ids (swarm memberships) one connection may hold. */
    maxPeersPerConnection: Type.Integer({ minimum: 1, maximum: 1000, default: 64 }),
    /** Most simultaneous WebSocket connections; more get HTTP 503 at upgrade. */
    maxConnections: Type.Integer({ minimum: 1, maximum: 10000000, default: 200000 }),
    /** Largest accepted frame, bytes; a bigger one closes the connection. */
    maxMessageBytes: Type.Integer({ minimum: 1024, maximum: 1048576, default: 65536 }),
    /** Token-bucket refill rate per connection, messages per second. */
    rateLimitPerSec: Type.Number({ minimum: 0.1, maximum: 100000, default: 20 }),
    /** Token-bucket size per connection (burst), messages. */
    rateLimitBurst: Type.Integer({ minimum: 1, maximum: 100000, default: 60 }),
    /** Bytes queued to a slow client above which offers to it are dropped. */
    dropAboveBytes: Type.Integer({ minimum: 1024, default: 262144 }),
    /** Bytes queued to a slow client above which it is disconnected. */
    closeAboveBytes: Type.Integer({ minimum: 4096, default: 1048576 }),
    /** Seconds without any frame (pings included) before a connection is closed. */
    idleTimeoutSec: Type.Integer({ minimum: 8, maximum: 960, default: 120 }),
    /**
     * Allowed `Origin` values (e.g. `https://watch.example`); others get HTTP 403. `["*"]` allows
     * any Origin, explicitly. Empty (the default) refuses to start unless `dev` is true.
     */
    allowedOrigins: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
    /** Development mode: an empty `allowedOrigins` then allows any Origin. Never in production. */
    dev: Type.Boolean({ default: false }),
    /** Require an admission token (`?token=<JWT>`) on every connection. */
    jwtRequired: Type.Boolean({ default: false }),
    /** HS256 secret for admission tokens (or use `jwtJwksUrl`). */
    jwtSecret: Type.String({ default: '' }),
    /** JWKS URL for admission tokens signed with asymmetric keys. */
    jwtJwksUrl: Type.String({ default: '' }),
    /** Required `iss` of admission tokens, if set. */
    jwtIssuer: Type.String({ default: '' }),
    /** Required `aud` of admission tokens, if set. */
    jwtAudience: Type.String({ default: '' }),
    /**
     * Longest lifetime an admission token may have, seconds: a token whose `exp` lies further
     * ahead than this, or whose `exp - iat` exceeds it, is refused. Tokens must carry `exp`.
     */
    jwtMaxLifetimeSec: Type.Integer({ minimum: 60, maximum: 2592000, default: 86400 }),
    /**
     * Request header holding the client's locality (e.g. `cf-ipcountry`), written by the edge. It is
     * believed only on connections whose socket peer is in `trustedProxies`.
     */
    localityHeader: Type.String({ default: '' }),
    /**
     * Proxies (addresses or CIDR ranges) whose `X-Forwarded-For` and `localityHeader` are believed.
     * Empty (the default): the socket peer is the client and both headers are ignored.
     */
    trustedProxies: TrustedProxiesSchema,
    /** IPv4 prefix length that counts as one locality. */
    localityPrefixV4: Type.Integer({ minimum: 0, maximum: 32, default: 16 }),
    /** IPv6 prefix length that counts as one locality (multiple of 16). */
    localityPrefixV6: Type.Integer({ minimum: 0, maximum: 128, default: 32 }),
    /** TLS certificate file (PEM); with `tlsKeyFile` the tracker serves wss directly. */
    tlsCertFile: Type.String({ default: '' }),
    /** TLS private key file (PEM). */
    tlsKeyFile: Type.String({ default: '' }),
    /** Log level. */
    logLevel: Type.String({ default: 'info' }),
  },
  { additionalProperties: false },
)

/** The validated tracker configuration. */
export type TrackerConfig = Static<typeof TrackerConfigSchema>

/** Loads and validates the tracker configuration; throws ConfigError naming a bad key. */
export function loadTrackerConfig(sources: ConfigSources = {}): TrackerConfig {
  const config = loadConfig(TrackerConfigSchema, 'TRACKER_', sources)
  if (config.jwtRequired && config.jwtSecret === '' && config.jwtJwksUrl === '') {
    throw new ConfigError('invalid configuration jwtRequired (TRACKER_JWT_REQUIRED): needs TRACKER_JWT_SECRET or TRACKER_JWT_JWKS_URL')
  }
  assertOriginPolicy(config)
  try {
    compileTrustedProxies(config.trustedProxies)
  } catch (err) {
    throw new ConfigError(`invalid configuration trustedProxies (TRACKER_TRUSTED_PROXIES): ${(err as Error).message}`)
  }
  if ((config.tlsCertFile === '') !== (config.tlsKeyFile === '')) {
    throw new ConfigError('invalid configuration tlsCertFile (TRACKER_TLS_CERT_FILE): set it together with TRACKER_TLS_KEY_FILE')
  }
  return config
}

/**
 * Throws a ConfigError naming TRACKER_ALLOWED_ORIGINS when no Origin policy was chosen: an empty
 * list outside `dev`. Any Origin must be asked for with `["*"]`.
 */
export function assertOriginPolicy(config: TrackerConfig): void {
  if (config.allowedOrigins.length === 0 && !config.dev) {
    throw new ConfigError(
      'invalid configuration allowedOrigins (TRACKER_ALLOWED_ORIGINS): list the app origins, or ["*"] to allow any; empty is allowed only with TRACKER_DEV=true',
    )
  }
}

/** Whether any Origin is admitted: `["*"]`, or an empty list in `dev`. */
export function allowsAnyOrigin(config: TrackerConfig): boolean {
  return config.allowedOrigins.includes('*') || (config.dev && config.allowedOrigins.length === 0)
}

/** Effective membership TTL. */
export function peerTtlSec(config: TrackerConfig): number {
  return config.peerTtlSec > 0 ? config.peerTtlSec : config.intervalSec * 2 + 15
}
