import type { HlsConfig } from 'hls.js'
import type { CoreConfig, SegmentStorage } from 'p2p-media-loader-core'
import type { CatchUpTuning } from './latency.ts'

/**
 * The delivery design as data: hls.js and p2p-media-loader settings per latency mode and delivery
 * variant. Pure, so tests and the benchmark can read exactly what the player runs.
 */

/** Latency mode chosen by the viewer. */
export type LatencyMode = 'live' | 'ultra-low'

/**
 * Delivery variant: `tuned` is ours (complete segments, short windows, rendezvous seeding),
 * `stock` is p2p-media-loader-hlsjs defaults (only trackers/ICE overridden), `off` is HTTP only.
 */
export type Delivery = 'tuned' | 'stock' | 'off'

/** Knobs of the tuned design (all seconds unless named otherwise). */
export interface TunedDelivery {
  /** Glass-to-glass target in Live mode. */
  liveTargetSec: number
  /** Glass-to-glass target in Ultra-low mode. */
  ultraLowTargetSec: number
  /** Segments closer than this to the playhead go to HTTP (p2p-media-loader `highDemandTimeWindow`). */
  highDemandSec: number
  /** Window in which peers may be asked for segments. */
  p2pWindowSec: number
  /** Viewers per neighbourhood that fetch each new segment from HTTP at once. */
  seedersPerSegment: number
  /** Catch-up playback rate. */
  catchUpRate: number
  /** A segment not yet received from peers this long before it is needed is fetched over HTTP. */
  httpLeadSec: number
}

/** Defaults chosen from the measurements in client/README.md. */
export const TUNED: TunedDelivery = {
  liveTargetSec: 2.7,
  ultraLowTargetSec: 1.3,
  highDemandSec: 0.3,
  p2pWindowSec: 4,
  seedersPerSegment: 1,
  catchUpRate: 1.1,
  httpLeadSec: 0.5,
}

/** Server-provided delivery settings (a playback session, else `/api/client-config`). */
export interface PeerSettings {
  trackerUrls: string[]
  iceServers: RTCIceServer[]
  /** Core swarm id from placement (cell and angle); absent = the master URL, the library's default. */
  swarmId?: string
}

/** Settings for hls.js (without loaders, which the adapter adds). */
export function hlsConfigFor(mode: LatencyMode, delivery: Delivery, tuned: TunedDelivery = TUNED): Partial<HlsConfig> {
  const common: Partial<HlsConfig> = {
    // Stall-driven latency creep is handled by our own catch-up instead.
    liveSyncOnStallIncrease: 0,
    backBufferLength: 10,
    enableWorker: true,
  }
  if (mode === 'ultra-low') {
    return {
      ...common,
      lowLatencyMode: true,
      liveSyncDuration: Math.max(0.6, tuned.ultraLowTargetSec - 0.3),
      liveMaxLatencyDuration: tuned.ultraLowTargetSec + 5,
      maxLiveSyncPlaybackRate: tuned.catchUpRate,
    }
  }
  if (delivery === 'stock') {
    // Exactly what p2p-media-loader-hlsjs users get: hls.js defaults, the engine adjusts the rest.
    return { liveSyncOnStallIncrease: 1 }
  }
  return {
    ...common,
    // Complete segments only: parts would bypass P2P. Blocking reloads still wake us per segment.
    lowLatencyMode: false,
    // hls.js's liveSyncDuration is media time from the playlist edge; the edge trails the wall
    // clock by the packaging delay (about 0.5 s measured on our origin), so start that much under.
    liveSyncDuration: tuned.liveTargetSec - 0.6,
    liveMaxLatencyDuration: tuned.liveTargetSec + 8,
    // Setting these stops the engine from raising liveSyncDurationCount/maxBufferLength.
    maxBufferLength: 6,
    maxMaxBufferLength: 12,
  }
}

/** Settings for the p2p-media-loader core, or null when P2P is off. */
export function coreConfigFor(
  mode: LatencyMode,
  delivery: Delivery,
  peers: PeerSettings,
  ids: { swarmId: string; peerId: string; storage?: () => SegmentStorage },
  tuned: TunedDelivery = TUNED,
): Partial<CoreConfig> | null {
  if (delivery === 'off') return null
  // Always our trackers and ICE servers, never the library's public defaults.
  const base: Partial<CoreConfig> = {
    announceTrackers: peers.trackerUrls,
    rtcConfig: { iceServers: peers.iceServers },
    swarmId: ids.swarmId,
  }
  if (delivery === 'stock') return base
  const windows = mode === 'ultra-low'
    ? { highDemandTimeWindow: 1, p2pDownloadTimeWindow: 2 }
    : { highDemandTimeWindow: tuned.highDemandSec, p2pDownloadTimeWindow: tuned.p2pWindowSec }
  return {
    ...base,
    trackerClientVersionPrefix: ids.peerId,
    ...(ids.storage ? { customSegmentStorageFactory: ids.storage } : {}),
    ...windows,
    // Random HTTP prefetch is replaced by rendezvous seeding.
    httpDownloadTimeWindow: 0,
    simultaneousHttpDownloads: 2,
    simultaneousP2PDownloads: 3,
    // A peer that stops sending must not eat the little slack there is.
    p2pNotReceivingBytesTimeoutMs: 700,
    httpNotReceivingBytesTimeoutMs: 2000,
  }
}

/** Catch-up tuning for a mode (stock/off variants in Live mode use the same controller as tuned). */
export function catchUpFor(mode: LatencyMode, tuned: TunedDelivery = TUNED): CatchUpTuning {
  const targetSec = mode === 'ultra-low' ? tuned.ultraLowTargetSec : tuned.liveTargetSec
  return {
    targetSec,
    startAboveSec: 0.15,
    stopAboveSec: 0,
    catchUpRate: tuned.catchUpRate,
    minBufferSec: mode === 'ultra-low' ? 0.3 : 0.5,
    seekAboveSec: 8,
  }
}

/** The swarm id of an angle: the master playlist URL without its query, like the library's default. */
export function swarmIdFor(masterUrl: string): string {
  const q = masterUrl.indexOf('?')
  return q === -1 ? masterUrl : masterUrl.slice(0, q)
}
