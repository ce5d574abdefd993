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
    /**
     * Failed sign-ins on one account, from all addresses together, per 15 minutes; past this every
     * sign-in on it is slowed down and needs a solved proof-of-work challenge or, for accounts with
     * 2FA, the code in the same request (401 `CHALLENGE_REQUIRED`). Never a lockout.
     */
    loginChallengeAfterFailures: Type.Integer({ minimum: 1, default: 10 }),
    /** Difficulty of that challenge: leading zero bits of SHA-256 (16 ≈ 65,000 hashes in the browser). */
    loginChallengeBits: Type.Integer({ minimum: 1, maximum: 24, default: 16 }),
    /** Server-side delay of the first sign-in past the ceiling; doubles per further failure. */
    loginDelayBaseMs: Type.Integer({ minimum: 0, default: 250 }),
    /** Cap of that delay. */
    loginDelayMaxMs: Type.Integer({ minimum: 0, maximum: 30_000, default: 4000 }),
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
    /**
     * Tracker instances viewers are placed on (`tracker/placement.ts`, rendezvous hashing of cells):
     * `id` must stay stable (renaming moves that instance's cells), `url` is its public `ws(s)://host[:port]`,
     * `weight` its relative capacity. Empty = one instance per `publicTrackerUrls` entry (id = url), else
     * the request's host, port 8000.
     */
    trackerInstances: Type.Array(
      Type.Object(
        {
          id: Type.String({ minLength: 1, maxLength: 64 }),
          url: Type.String({ pattern: '^wss?://[^\\s/?#]+/?$' }),
          weight: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1000 })),
        },
        { additionalProperties: false },
      ),
      { default: [], maxItems: 256 },
    ),
    /**
     * HS256 secret that signs tracker admission tokens; must equal the trackers' `jwtSecret`. Empty = no
     * token is issued (only for trackers with `jwtRequired` off).
     */
    trackerJwtSecret: Type.String({ default: '', pattern: '^$|^.{32,}$' }),
    /** Lifetime of a tracker admission token (the trackers refuse more than their `jwtMaxLifetimeSec`). */
    trackerTokenTtlSec: Type.Integer({ minimum: 60, maximum: 86_400, default: 7200 }),
    /** Cells per locality and event: viewers of one locality are spread over this many swarm cells. */
    cellsPerLocality: Type.Integer({ minimum: 1, maximum: 100_000, default: 1 }),
    /**
     * Request header with the viewer's locality written by a trusted edge (e.g. `cf-ipcountry`); read only
     * when the connection comes from one of `trustedProxies`. Empty = network prefix of the client address.
     */
    localityHeader: Type.String({ default: '', pattern: '^$|^[a-z0-9-]{1,64}$' }),
    /** IPv4 prefix length that counts as one locality when no edge header is believed (tracker default). */
    localityPrefixV4: Type.Integer({ minimum: 0, maximum: 32, default: 16 }),
    /** IPv6 prefix length that counts as one locality (multiple of 16; tracker default). */
    localityPrefixV6: Type.Integer({ minimum: 0, maximum: 128, multipleOf: 16, default: 32 }),
    /** Playback sessions one address group (IPv4 address, IPv6 /64) may create per minute. */
    playbackSessionsPerAddressPerMin: Type.Integer({ minimum: 1, default: 120 }),
    /** Start the real-time gateway (engagement/realtime) inside this service; off when it runs as its own process. */
    gatewayEnabled: Type.Boolean({ default: true }),
    /** TCP port of the real-time gateway (WebSocket, `/health`, `/metrics`); 0 picks a free one (tests). */
    gatewayPort: Type.Integer({ minimum: 0, maximum: 65535, default: 8082 }),
    /** Gateway socket library: uWebSockets.js, or the `ws` fallback (also used when uWS cannot load). */
    gatewayTransport: Type.Union([Type.Literal('uws'), Type.Literal('ws')], { default: 'uws' }),
    /** Public base URL of the gateway (`ws(s)://host[:port]`), given to clients; empty = the request's host, port 8082. */
    publicRealtimeUrl: Type.String({ default: '', pattern: '^$|^wss?://[^\\s/?#]+/?$' }),
    /** Period of the gateway tick that merges counts and broadcasts snapshots (polls, reactions). */
    gatewayTickMs: Type.Integer({ minimum: 50, maximum: 5000, default: 250 }),
    /** Ordered items per event a reconnecting client can resume from; older means `gap` + `snapshot`. */
    gatewayHistoryItems: Type.Integer({ minimum: 10, maximum: 1_000_000, default: 10_000 }),
    /**
     * Feed rows (`realtime_feed`) of an event that has ended are all deleted this long after the end
     * (counted from when the prune job first sees it ended). Resumes older than the window already get
     * `gap` + `snapshot`; rows older than {@link gatewayHistoryItems} (plus a margin) go sooner, while live.
     */
    feedRetentionAfterEndSec: Type.Integer({ minimum: 0, maximum: 31_536_000, default: 86_400 }),
    /** Newest ordered items per event kept in memory for resumes without a database read. */
    gatewayRingItems: Type.Integer({ minimum: 0, maximum: 100_000, default: 1024 }),
    /** How often the gateway compares each local event's newest seq with the feed (catches a lost bus tail). */
    gatewayTailCheckMs: Type.Integer({ minimum: 100, maximum: 60_000, default: 1000 }),
    /** How often viewer counts are written, summed over instances and sent as `presence`. */
    gatewayPresenceMs: Type.Integer({ minimum: 250, maximum: 60_000, default: 2000 }),
    /** Client frames one connection may send per second (token bucket refill); a flood past the burst closes it (1008). */
    gatewayFramesPerSec: Type.Number({ exclusiveMinimum: 0, maximum: 10_000, default: 10 }),
    /** Token bucket size of {@link gatewayFramesPerSec}. */
    gatewayFrameBurst: Type.Integer({ minimum: 1, maximum: 10_000, default: 30 }),
    /** Socket writes (vote, react) one account may make per minute over all its connections and instances. */
    gatewayAccountWritesPerMin: Type.Integer({ minimum: 1, maximum: 100_000, default: 600 }),
    /** Connections one gateway instance accepts. */
    gatewayMaxConnections: Type.Integer({ minimum: 1, maximum: 10_000_000, default: 200_000 }),
    /** A connection silent for this long is closed (clients send `ping` or WebSocket pings). */
    gatewayIdleTimeoutSec: Type.Integer({ minimum: 8, maximum: 960, default: 120 }),
    /** Above this many unsent bytes a connection's tick snapshots are skipped (the next one repairs it). */
    gatewayDropAboveBytes: Type.Integer({ minimum: 1024, default: 262_144 }),
    /** Above this many unsent bytes a connection is closed (1008); the client reconnects and resumes. */
    gatewayCloseAboveBytes: Type.Integer({ minimum: 4096, default: 1_048_576 }),
    /** HS256 secret of realtime tokens (`?token=`); empty = derived from `dataSecret`. Every instance needs the same. */
    realtimeTokenSecret: Type.String({ default: '', pattern: '^$|^.{32,}$' }),
    /**
     * A new connection's ordered items wait this long for the client's `resume`, so a reconnecting
     * client gets every item in seq order exactly once; past it the stream starts at hello's seq.
     */
    gatewayResumeWaitMs: Type.Integer({ minimum: 0, maximum: 10_000, default: 1000 }),
    /**
     * How often moderator connections are re-checked (role on the event, 2FA, the session or the token's
     * user still there); one that fails is closed (1008) and reconnects with what it is now allowed.
     */
    gatewayModeratorRecheckSec: Type.Integer({ minimum: 1, maximum: 3600, default: 30 }),
    /**
     * Page origins (`https://host[:port]`) allowed to open cookie-authenticated sockets. Empty = pages on
     * the host name the gateway was reached on (any port). A foreign Origin with a cookie is refused (403).
     */
    gatewayAllowedOrigins: Type.Array(Type.String({ pattern: '^https?://[^\\s/?#]+$' }), { default: [], maxItems: 64 }),
    /** Default lifetime of a realtime token; it is checked when the socket connects. */
    realtimeTokenTtlSec: Type.Integer({ minimum: 30, maximum: 86_400, default: 900 }),
    /** Longest lifetime a caller may ask for (an OBS overlay runs for hours). */
    realtimeTokenMaxTtlSec: Type.Integer({ minimum: 30, maximum: 604_800, default: 43_200 }),
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
    /**
     * How long an instance reuses an event's interaction settings, bans and timeouts before reading them
     * again. A change drops every instance's copy at once through kv; this bounds staleness if that message is lost.
     */
    interactionStateCacheMs: Type.Integer({ minimum: 0, maximum: 60_000, default: 1000 }),
    /** Chat messages one account may send per 30 s over all events and instances (Twitch: 20). */
    chatMessagesPerAccountPer30s: Type.Integer({ minimum: 1, maximum: 10_000, default: 20 }),
    /** The same for accounts with a moderating role on the event (Twitch: 100); they also skip slow mode. */
    chatMessagesPerModeratorPer30s: Type.Integer({ minimum: 1, maximum: 10_000, default: 100 }),
    /** Questions one account may ask per minute over all instances (YouTube: 1). */
    questionsPerAccountPerMin: Type.Integer({ minimum: 1, maximum: 1000, default: 1 }),
    /** Question upvotes one account may give per minute (a flood guard; each question takes one anyway). */
    upvotesPerAccountPerMin: Type.Integer({ minimum: 1, maximum: 10_000, default: 120 }),
    /** Chat reports one account may file per hour. */
    chatReportsPerAccountPerHour: Type.Integer({ minimum: 1, maximum: 10_000, default: 30 }),
    /** Reaction frames (REST `react` or socket `react`, each up to 50 taps) one account may send per 10 s. */
    reactionFramesPerAccountPer10s: Type.Integer({ minimum: 1, maximum: 10_000, default: 60 }),
    /**
     * Votes are taken for this long after a poll closes, so a viewer whose video runs behind live
     * (about 2.7 s, Ultra-low about 1.3 s) can still vote on what they see; then the counts are final.
     */
    pollVoteGraceMs: Type.Integer({ minimum: 0, maximum: 60_000, default: 5000 }),
    /** Most votes one batch (one database transaction) stores. */
    pollVoteBatchMaxVotes: Type.Integer({ minimum: 1, maximum: 20_000, default: 2000 }),
    /** How long the first vote of a batch waits for others before the batch is stored. */
    pollVoteBatchDelayMs: Type.Integer({ minimum: 0, maximum: 1000, default: 5 }),
    /** Vote batches one instance stores at the same time (votes arriving meanwhile form the next batch). */
    pollVoteBatchesInFlight: Type.Integer({ minimum: 1, maximum: 16, default: 2 }),
    /** Vote attempts (REST or socket, accepted or not) one account may make per minute over all instances. */
    pollVotesPerAccountPerMin: Type.Integer({ minimum: 1, maximum: 10_000, default: 30 }),
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
