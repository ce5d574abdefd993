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

/** Bit rates measured over the listed segments, bits per second; undefined before the first segment. */
export function measuredBitrates(r: RenditionPackager): { peak: number; average: number } | undefined {
  let peak = 0
  let bytes = 0
  let secs = 0
  for (const s of r.listed) {
    if (s.bytes === null || s.durationSec <= 0) continue
    peak = Math.max(peak, (s.bytes.byteLength * 8) / s.durationSec)
    bytes += s.bytes.byteLength
    secs += s.durationSec
  }
  return secs > 0 ? { peak: Math.ceil(peak), average: Math.ceil((bytes * 8) / secs) } : undefined
}

/** Configured bit rate plus 10 % for container overhead, bits per second. */
export function nominalBandwidth(spec: RenditionSpec): number {
  return Math.ceil((spec.videoBitrateKbps + spec.audioBitrateKbps) * 1000 * 1.1)
}

/** Renders the multivariant playlist; null when no rendition has an init section yet. */
export function renderMultivariant(variants: readonly VariantSource[]): string | null {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:9', '#EXT-X-INDEPENDENT-SEGMENTS']
  let any = false
  for (const v of variants) {
    const init = v.packager.currentInit
    if (init === undefined) continue
    any = true
    const measured = measuredBitrates(v.packager)
    const nominal = nominalBandwidth(v.spec)
    const attrs = [`BANDWIDTH=${Math.max(nominal, measured?.peak ?? 0)}`, `AVERAGE-BANDWIDTH=${measured?.average ?? nominal}`]
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
