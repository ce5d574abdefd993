/**
 * The origin's one configuration object: ingest, transcode and HTTP settings plus the packager's
 * settings (composed from {@link PackagerConfigSchema}). Environment prefix `ORIGIN_`.
 */
import Type from 'typebox'
import type { Static } from 'typebox'
import { loadConfig, type ConfigSources } from '../common/config.ts'
import { PackagerConfigSchema, type PackagerConfig } from './packager/config.ts'
import { Name } from '../common/wire/names.ts'

/** One rung of the ladder (see `RenditionSpec` in contract.ts). */
export const RenditionSchema = Type.Object(
  {
    name: Name,
    width: Type.Integer({ minimum: 16, maximum: 3840, multipleOf: 2 }),
    height: Type.Integer({ minimum: 16, maximum: 2160, multipleOf: 2 }),
    videoBitrateKbps: Type.Integer({ minimum: 50, maximum: 20000 }),
    audioBitrateKbps: Type.Integer({ minimum: 16, maximum: 320 }),
    fps: Type.Integer({ minimum: 1, maximum: 60 }),
  },
  { additionalProperties: false },
)

/** Default ABR ladder: 720p and 360p at 30 fps (add 1080p in config if the machine allows). */
export const DEFAULT_LADDER = [
  { name: '720p', width: 1280, height: 720, videoBitrateKbps: 2800, audioBitrateKbps: 128, fps: 30 },
  { name: '360p', width: 640, height: 360, videoBitrateKbps: 800, audioBitrateKbps: 96, fps: 30 },
]

const Ladder = Type.Array(RenditionSchema, { minItems: 1, maxItems: 6 })

/** Origin configuration schema (defaults on each key; unknown keys rejected). */
export const OriginConfigSchema = Type.Object(
  {
    ...PackagerConfigSchema.properties,
    /** Address every listener binds (use 127.0.0.1 in tests). */
    host: Type.String({ default: '0.0.0.0' }),
    /** HTTP port for LL-HLS, /health, /metrics and /admin (0 = ephemeral). */
    httpPort: Type.Integer({ default: 8081, minimum: 0, maximum: 65535 }),
    /** RTMP ingest port (0 = ephemeral). */
    rtmpPort: Type.Integer({ default: 1935, minimum: 0, maximum: 65535 }),
    /** SRT ingest port, UDP (0 = ephemeral). */
    srtPort: Type.Integer({ default: 8890, minimum: 0, maximum: 65535 }),
    /** pino level. */
    logLevel: Type.String({ default: 'info' }),
    /** Default ABR ladder for every angle. */
    ladder: { ...Ladder, default: DEFAULT_LADDER },
    /** Per-angle ladders keyed `event/angle`, overriding `ladder`. */
    ladders: Type.Record(Type.String(), Ladder, { default: {} }),
    /** How long a dropped stream waits for its publisher, in ms. */
    graceMs: Type.Integer({ default: 10_000, minimum: 0, maximum: 600_000 }),
    /** Stream keys from configuration: `[{ key, event, angle, label }]`. */
    streamKeys: Type.Array(
      Type.Object({ key: Type.String({ minLength: 8, maxLength: 200 }), event: Name, angle: Name, label: Type.Optional(Type.String({ maxLength: 100 })) }, { additionalProperties: false }),
      { default: [] },
    ),
    /** Engagement service base URL for key checks; empty = configuration keys only. */
    engagementUrl: Type.String({ default: '' }),
    /** Bearer token for the engagement service's internal API. */
    internalToken: Type.String({ default: '' }),
    /** Bearer token for `POST /admin/streams/end`; empty disables the endpoint. */
    adminToken: Type.String({ default: '' }),
    /** SRT passphrase (10–79 characters) required from publishers; empty = unencrypted. */
    srtPassphrase: Type.String({ default: '', pattern: '^(|[\\x20-\\x7e]{10,79})$' }),
    /** SRT receiver latency in ms for the loopback ffmpeg listener. */
    srtLatencyMs: Type.Integer({ default: 120, minimum: 20, maximum: 8000 }),
    /** ffmpeg binary. */
    ffmpegPath: Type.String({ default: 'ffmpeg' }),
    /** ffmpeg `-probesize` in bytes (bounded probe). */
    probeBytes: Type.Integer({ default: 32_768, minimum: 32, maximum: 10_000_000 }),
    /** ffmpeg `-analyzeduration` in µs (bounded probe). */
    analyzeDurationUs: Type.Integer({ default: 0, minimum: 0, maximum: 10_000_000 }),
    /** x264 preset. */
    x264Preset: Type.String({ default: 'veryfast', pattern: '^(ultrafast|superfast|veryfast|faster|fast|medium)$' }),
    /** ffmpeg restarts allowed per publisher before it is disconnected. */
    maxRestarts: Type.Integer({ default: 5, minimum: 0, maximum: 100 }),
    /** Time from TCP accept to an accepted RTMP publish, in ms. */
    rtmpHandshakeTimeoutMs: Type.Integer({ default: 10_000, minimum: 100, maximum: 120_000 }),
    /**
     * RTMP connections from one address (IPv6: its /64) that are not yet admitted publishers; more are
     * closed at accept, so one address cannot hold every ingest slot. Admitted publishers do not count.
     */
    rtmpMaxPendingPerAddress: Type.Integer({ default: 4, minimum: 1, maximum: 10_000 }),
    /** Time from TCP accept to the RTMP `publish` command, in ms; idle or slow connections are closed after it. */
    rtmpPublishDeadlineMs: Type.Integer({ default: 3000, minimum: 100, maximum: 120_000 }),
    /** Concurrent ingest connections allowed (RTMP sockets, SRT sessions). */
    maxIngestConnections: Type.Integer({ default: 64, minimum: 1, maximum: 10_000 }),
    /** Publish attempts (key checks) allowed per remote address per minute, RTMP and SRT together. */
    publishAttemptsPerMinute: Type.Integer({ default: 30, minimum: 1, maximum: 100_000 }),
    /** Largest RTMP message accepted, in bytes. */
    rtmpMaxMessageBytes: Type.Integer({ default: 8 * 1024 * 1024, minimum: 65_536, maximum: 64 * 1024 * 1024 }),
  },
  { additionalProperties: false },
)

/** Validated origin configuration. */
export type OriginConfig = Static<typeof OriginConfigSchema>

/** Loads the origin config from `ORIGIN_*` env vars and overrides. */
export function loadOriginConfig(sources: ConfigSources = {}): OriginConfig {
  return loadConfig(OriginConfigSchema, 'ORIGIN_', sources)
}

/** The packager's part of the origin config. */
export function packagerPart(c: OriginConfig): PackagerConfig {
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(PackagerConfigSchema.properties)) out[k] = (c as Record<string, unknown>)[k]
  return out as PackagerConfig
}
