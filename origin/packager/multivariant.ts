/**
 * Renders an angle's multivariant playlist: one EXT-X-STREAM-INF per rendition whose init section has
 * arrived, with BANDWIDTH, AVERAGE-BANDWIDTH, CODECS (from avcC/esds), RESOLUTION and FRAME-RATE.
 */
import type { RenditionSpec } from '../contract.ts'
import { PLAYLIST_NAME } from './names.ts'
import type { RenditionPackager } from './rendition.ts'

/** One variant's inputs. */
export interface VariantSource {
  spec: RenditionSpec
  packager: RenditionPackager
}

/** Configured bit rate plus 10 % for container overhead, bits per second. */
export function nominalBandwidth(spec: RenditionSpec): number {
  return (spec.videoBitrateKbps + spec.audioBitrateKbps) * 1100
}

/**
 * Upper bound of one segment's bit rate from the encoder's VBV settings (origin/ingest/transcoder:
 * maxrate = bitrate, bufsize = 2 × bitrate): over a 1 s segment at most maxrate × 1 s + bufsize, so
 * 3 × the video rate, plus audio and 10 % container overhead.
 */
export function peakBandwidth(spec: RenditionSpec): number {
  return (3 * spec.videoBitrateKbps + spec.audioBitrateKbps) * 1100
}

/** Renders the multivariant playlist; null when no rendition has an init section yet. */
export function renderMultivariant(variants: readonly VariantSource[]): string | null {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:9', '#EXT-X-INDEPENDENT-SEGMENTS']
  let any = false
  for (const v of variants) {
    const init = v.packager.currentInit
    if (init === undefined) continue
    any = true
    // Declared, not measured: the multivariant playlist must not change during a stream, because
    // players and p2p-media-loader key each variant (and so its swarm) on these attributes — a viewer
    // who loaded it a few seconds earlier would otherwise land in a swarm of its own.
    const attrs = [`BANDWIDTH=${peakBandwidth(v.spec)}`, `AVERAGE-BANDWIDTH=${nominalBandwidth(v.spec)}`]
    const codecs = init.info.tracks.map((t) => t.codec).filter((c) => c !== '')
    if (codecs.length > 0) attrs.push(`CODECS="${codecs.join(',')}"`)
    const video = init.info.tracks.find((t) => t.kind === 'video')
    const width = video !== undefined && video.width > 0 ? video.width : v.spec.width
    const height = video !== undefined && video.height > 0 ? video.height : v.spec.height
    if (video !== undefined) attrs.push(`RESOLUTION=${width}x${height}`, `FRAME-RATE=${v.spec.fps.toFixed(3)}`)
    lines.push(`#EXT-X-STREAM-INF:${attrs.join(',')}`, `${v.spec.name}/${PLAYLIST_NAME}`)
  }
  return any ? lines.join('\n') + '\n' : null
}
