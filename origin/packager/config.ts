/**
 * Configuration of the LL-HLS packager core. The wiring composes {@link PackagerConfigSchema} into the
 * origin's one config object (`origin/config.ts`); tests build it with {@link packagerConfig}.
 */
import Type from 'typebox'
import type { Static } from 'typebox'
import Value from 'typebox/value'

/** TypeBox schema of the packager settings; defaults on each key, unknown keys rejected. */
export const PackagerConfigSchema = Type.Object(
  {
    /**
     * Nominal part duration in milliseconds: what ffmpeg is told with `-frag_duration` (µs = ms × 1000).
     * The advertised PART-TARGET is this rounded up to whole frames plus `partSlackMs` (see {@link partTargetSec}).
     */
    partTargetMs: Type.Integer({ default: 333, minimum: 200, maximum: 500 }),
    /**
     * Headroom added to `partTargetMs` for PART-TARGET, in milliseconds. ffmpeg cuts muxed fragments on the
     * video clock, so the audio track of a part can run one AAC frame (1024 samples, ≤ 23.2 ms at 44.1 kHz)
     * longer: AAC parts come out at 0.341 s for a 333 ms target.
     */
    partSlackMs: Type.Integer({ default: 24, minimum: 0, maximum: 100 }),
    /** A segment closes on the first keyframe part once it is at least this long, in milliseconds (1–2 s). */
    segmentTargetMs: Type.Integer({ default: 1000, minimum: 1000, maximum: 2000 }),
    /** Media playlist window: at least this many seconds of complete segments stay listed. */
    windowSec: Type.Integer({ default: 30, minimum: 30, maximum: 600 }),
    /** EXT-X-PART lines are listed for segments this many target durations from the live edge. */
    partListTargetDurations: Type.Integer({ default: 3, minimum: 2, maximum: 10 }),
    /**
     * Parts dropped from the playlist, and segments dropped from the window, stay downloadable this many
     * more target durations.
     */
    retainExtraTargetDurations: Type.Integer({ default: 3, minimum: 1, maximum: 20 }),
    /**
     * How long an ended angle's playlists and media stay served after its ENDLIST, in seconds; then the
     * store releases them (listeners get `release` first: the replay hand-off hooks in there) and its
     * URLs answer 404.
     */
    endedRetentionSec: Type.Integer({ default: 60, minimum: 0, maximum: 86_400 }),
    /** Largest accepted fMP4 fragment or init section, in bytes; larger ones are refused as bad input. */
    maxFragmentBytes: Type.Integer({ default: 8 * 1024 * 1024, minimum: 1024, maximum: 64 * 1024 * 1024 }),
  },
  { additionalProperties: false },
)

/** Validated packager settings. */
export type PackagerConfig = Static<typeof PackagerConfigSchema>

/** Fills defaults and validates; throws on bad values (tests and benches; services use `loadConfig`). */
export function packagerConfig(overrides: Partial<PackagerConfig> = {}): PackagerConfig {
  const value = Value.Default(PackagerConfigSchema, Value.Clone(overrides))
  if (!Value.Check(PackagerConfigSchema, value)) {
    const first = [...Value.Errors(PackagerConfigSchema, value)][0]
    throw new Error(`invalid packager config ${first?.instancePath ?? ''}: ${first?.message ?? ''}`)
  }
  return value
}

/**
 * PART-TARGET in seconds, advertised in EXT-X-PART-INF: the longest part ffmpeg can emit. ffmpeg ends a
 * fragment on the first video frame at or past `partTargetMs`, so with a known frame rate the video part
 * is that whole number of frames (25 fps and 333 ms give 360 ms); audio may run `partSlackMs` past it.
 * Rounded up to whole milliseconds.
 */
export function partTargetSec(config: PackagerConfig, fps?: number): number {
  const frameMs = fps !== undefined && fps > 0 ? 1000 / fps : 0
  const videoMs = frameMs > 0 ? Math.ceil(config.partTargetMs / frameMs - 1e-6) * frameMs : config.partTargetMs
  return Math.ceil(videoMs + config.partSlackMs - 1e-6) / 1000
}
