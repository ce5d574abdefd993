import { generateStreamShortId } from 'p2p-media-loader-core'

/**
 * p2p-media-loader 2.3 names a variant's swarm `v2-<swarmId>-main-<shortId>`, where shortId hashes the
 * variant's attributes. We need the same string to put self-fetched segments into its storage.
 */

/** The variant attributes hls.js reports in MANIFEST_LOADED. */
export interface VariantAttributes {
  url: string
  bitrate: number
  maxBitrate?: number
  videoCodec?: string
  width?: number
  height?: number
  attrs: Record<string, string | undefined>
}

/** The storage stream id p2p-media-loader-hlsjs 2.3.1 gives a main variant. */
export function mainStreamId(swarmId: string, v: VariantAttributes): string {
  const b = v.maxBitrate ?? v.bitrate
  const missing = b === 0
  const index = generateStreamShortId({
    bitrate: b,
    codecs: missing ? undefined : v.videoCodec,
    width: missing ? undefined : v.width,
    height: missing ? undefined : v.height,
    frameRate: missing ? undefined : v.attrs['FRAME-RATE'],
    videoRange: missing ? undefined : v.attrs['VIDEO-RANGE'],
  })
  return `v2-${swarmId}-main-${index}`
}
