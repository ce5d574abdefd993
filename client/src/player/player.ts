import Hls from 'hls.js'
import type { ErrorData, FragmentLoaderContext, HlsConfig, Loader, LoaderCallbacks, LoaderConfiguration, LoaderContext, ManifestLoadedData } from 'hls.js'
import { HlsJsP2PEngine } from 'p2p-media-loader-hlsjs'
import { bufferAhead, catchUp, glassToGlassSec } from './latency.ts'
import { makePeerId } from './seeding.ts'
import { seedingFragmentLoader, type SeedingHost } from './segment-loader.ts'
import { QoeAccumulator, type ViewerStats } from './stats.ts'
import { LiveSegmentStore } from './segment-store.ts'
import { mainStreamId, type VariantAttributes } from './stream-ids.ts'
import { stripDirectives, waitForCompleteSegment } from './directives.ts'
import { catchUpFor, coreConfigFor, hlsConfigFor, swarmIdFor, TUNED, type Delivery, type LatencyMode, type PeerSettings } from './delivery-config.ts'

/**
 * The player adapter: hls.js + p2p-media-loader wired to the delivery design in delivery-config.ts.
 * Everything that decides is pure (latency.ts, seeding.ts, stats.ts); this file only moves bytes and events.
 */

/** What to play. */
export interface PlaySource {
  masterUrl: string
  angle: string
}

/** Player construction options. */
export interface PlayerOptions {
  video: HTMLVideoElement
  /** Static peer settings (`/api/client-config`): used when there is no placement or it fails. */
  peers: PeerSettings
  /**
   * Placement for an angle (a playback session: tracker URL with token, cell swarm id), asked before
   * each new engine; null or a rejection falls back to `peers`.
   */
  placement?: (angle: string) => Promise<PeerSettings | null>
  mode: LatencyMode
  delivery: Delivery
  /** Human-readable status for a live region ("Buffering…"). */
  onStatus?: (message: string) => void
}

type LoaderCtor = new (config: HlsConfig) => Loader<LoaderContext>
type FragLoaderCtor = new (config: HlsConfig) => Loader<FragmentLoaderContext>

const TICK_MS = 250

/** One viewer's player; survives angle and mode switches without a page reload. */
export class ViewerPlayer {
  readonly #opts: PlayerOptions
  readonly #qoe = new QoeAccumulator()
  readonly #peerId = makePeerId()
  readonly #peers = new Set<string>()
  #hls: Hls | null = null
  #engine: HlsJsP2PEngine | null = null
  #store: LiveSegmentStore | null = null
  #streamIds = new Map<string, string>()
  #source: PlaySource | null = null
  #mode: LatencyMode
  #timer: ReturnType<typeof setInterval> | undefined
  #retry: ReturnType<typeof setTimeout> | undefined
  #lastLatency: number | null = null
  /** Bumped by every play/teardown so a placement answer for an older play is dropped. */
  #generation = 0
  /** HTTP bytes by reason, for tuning (`window.swarmstage.breakdown()`). */
  readonly #httpBy: Record<'seed' | 'deadline' | 'core' | 'other', number> = { seed: 0, deadline: 0, core: 0, other: 0 }

  constructor(opts: PlayerOptions) {
    this.#opts = opts
    this.#mode = opts.mode
    const v = opts.video
    v.addEventListener('waiting', this.#onWaiting)
    v.addEventListener('playing', this.#onPlaying)
    this.#timer = setInterval(this.#tick, TICK_MS)
  }

  /** This viewer's WebTorrent peer id. */
  get peerId(): string {
    return this.#peerId
  }

  /** Current latency mode. */
  get mode(): LatencyMode {
    return this.#mode
  }

  /** Starts (or switches to) a source; the video element is kept, so no page reload. */
  play(source: PlaySource): void {
    this.#source = source
    this.#qoe.restart(performance.now())
    this.#teardown()
    const generation = this.#generation
    const { placement, peers, delivery } = this.#opts
    if (placement === undefined || delivery === 'off') {
      this.#build(source, peers)
      return
    }
    this.#status('Connecting to the stream…')
    placement(source.angle).then(
      (placed) => this.#buildIfCurrent(generation, source, placed ?? peers),
      () => this.#buildIfCurrent(generation, source, peers),
    )
  }

  #buildIfCurrent(generation: number, source: PlaySource, peers: PeerSettings): void {
    if (generation === this.#generation && this.#source === source) this.#build(source, peers)
  }

  /** Switches latency mode, keeping the angle. */
  setMode(mode: LatencyMode): void {
    if (mode === this.#mode) return
    this.#mode = mode
    if (this.#source) this.play(this.#source)
  }

  /** QoE figures for `window.swarmstage.stats()`. */
  stats(): ViewerStats {
    return this.#qoe.snapshot(performance.now(), {
      latencySec: this.#lastLatency,
      level: this.#hls?.currentLevel ?? -1,
      peers: this.#peers.size,
      angle: this.#source?.angle ?? '',
    })
  }

  /**
   * PROGRAM-DATE-TIME at the playhead (ms since the epoch), for stream sync (client/src/interaction/sync.ts);
   * null when paused, ended or without a PDT. A stall keeps the last value: what is held keeps waiting.
   */
  playheadDateMs(): number | null {
    const v = this.#opts.video
    if (v.paused || v.ended) return null
    const t = this.#hls?.playingDate?.getTime()
    return t !== undefined && Number.isFinite(t) ? t : null
  }

  /** HTTP bytes by reason: rendezvous seeding, deadline fallback, the core's own HTTP, other (init, parts). */
  httpBreakdown(): Record<string, number> {
    return { ...this.#httpBy }
  }

  /** P2P share of received bytes, 0..1. */
  p2pShare(): number {
    return this.#qoe.p2pShare()
  }

  /** Stops everything and releases the video element. */
  destroy(): void {
    clearInterval(this.#timer)
    this.#teardown()
    const v = this.#opts.video
    v.removeEventListener('waiting', this.#onWaiting)
    v.removeEventListener('playing', this.#onPlaying)
    v.removeAttribute('src')
    v.load()
  }

  #teardown(): void {
    clearTimeout(this.#retry)
    this.#generation++
    this.#hls?.destroy()
    this.#hls = null
    this.#engine = null
    this.#store = null
    this.#peers.clear()
    this.#lastLatency = null
  }

  #build(source: PlaySource, peers: PeerSettings): void {
    const { delivery } = this.#opts
    const mode = this.#mode
    const swarmId = peers.swarmId ?? swarmIdFor(source.masterUrl)
    const count = (n: number): void => {
      this.#qoe.addBytes('http', n)
      this.#httpBy.other += n
    }
    const Counting = countingLoader(Hls.DefaultConfig.loader as LoaderCtor, count)
    const hlsConfig: Partial<HlsConfig> = { ...hlsConfigFor(mode, delivery), loader: Counting, maxLiveSyncPlaybackRate: 1 }
    // HTTP-only keeps our playlist handling, so `off` differs from `tuned` by P2P alone.
    if (delivery === 'off') hlsConfig.pLoader = playlistLoader(Counting, mode === 'live') as HlsConfig['pLoader']
    const coreConfig = coreConfigFor(mode, delivery, peers, {
      swarmId,
      peerId: this.#peerId,
      storage: () => (this.#store = new LiveSegmentStore()),
    })
    if (coreConfig) {
      const engine = new HlsJsP2PEngine({ core: coreConfig })
      const loaders = engine.getConfigForHlsJs() as { fLoader: FragLoaderCtor; pLoader: LoaderCtor }
      hlsConfig.pLoader = (delivery === 'tuned' ? playlistLoader(loaders.pLoader, mode === 'live') : loaders.pLoader) as HlsConfig['pLoader']
      hlsConfig.fLoader = (delivery === 'tuned' && mode === 'live' ? seedingFragmentLoader(loaders.fLoader, this.#seedingHost(swarmId)) : loaders.fLoader) as HlsConfig['fLoader']
      engine.addEventListener('onChunkDownloaded', (bytes, source) => {
        this.#qoe.addBytes(source === 'p2p' ? 'p2p' : 'http', bytes)
        if (source !== 'p2p') this.#httpBy.core += bytes
      })
      engine.addEventListener('onChunkUploaded', (bytes) => this.#qoe.addBytes('upload', bytes))
      engine.addEventListener('onPeerConnect', (p) => { if (p.streamType === 'main') this.#peers.add(p.peerId) })
      engine.addEventListener('onPeerClose', (p) => { if (p.streamType === 'main') this.#peers.delete(p.peerId) })
      this.#engine = engine
    }
    const hls = new Hls(hlsConfig)
    this.#engine?.bindHls(hls)
    this.#hls = hls
    hls.on(Hls.Events.MANIFEST_LOADED, (_e, data: ManifestLoadedData) => {
      this.#streamIds = new Map(data.levels.map((l) => [l.url, mainStreamId(swarmId, l as unknown as VariantAttributes)]))
    })
    hls.on(Hls.Events.ERROR, (_e, data: ErrorData) => this.#onError(data))
    hls.on(Hls.Events.FRAG_BUFFERED, () => this.#status(''))
    this.#status('Connecting to the stream…')
    hls.attachMedia(this.#opts.video)
    hls.loadSource(source.masterUrl)
    this.#opts.video.play().catch(() => {
      // Autoplay refused (unmuted, no gesture): the viewer presses play.
    })
  }

  #seedingHost(swarmId: string): SeedingHost {
    const v = this.#opts.video
    return {
      swarmId,
      peerId: this.#peerId,
      seedersPerSegment: TUNED.seedersPerSegment,
      leadSec: TUNED.httpLeadSec,
      store: () => this.#store,
      streamIdOf: (level) => {
        const url = this.#hls?.levels[level]?.uri
        return url === undefined ? undefined : this.#streamIds.get(url)
      },
      peers: () => this.#peers,
      playback: () => ({ position: v.currentTime, rate: v.playbackRate || 1, playing: !v.paused && v.readyState >= 3 }),
      addHttpBytes: (n, why) => {
        this.#qoe.addBytes('http', n)
        this.#httpBy[why] += n
      },
    }
  }

  #onError(data: ErrorData): void {
    if (!data.fatal || !this.#hls) return
    const hls = this.#hls
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
      this.#status('Recovering playback…')
      hls.recoverMediaError()
      return
    }
    this.#status('Waiting for the stream…')
    clearTimeout(this.#retry)
    this.#retry = setTimeout(() => {
      if (this.#source) this.play(this.#source)
    }, 2000)
  }

  #status(message: string): void {
    this.#opts.onStatus?.(message)
  }

  readonly #onWaiting = (): void => {
    this.#qoe.waiting(performance.now(), this.#opts.video.seeking)
    if (!this.#opts.video.seeking) this.#status('Buffering…')
  }

  readonly #onPlaying = (): void => {
    this.#qoe.playing(performance.now())
    this.#status('')
  }

  readonly #tick = (): void => {
    const hls = this.#hls
    if (!hls) return
    const v = this.#opts.video
    this.#lastLatency = glassToGlassSec(Date.now(), hls.playingDate?.getTime())
    // Stock keeps stock behaviour; every other variant holds its target with our catch-up.
    if (this.#opts.delivery === 'stock' && this.#mode === 'live') return
    if (v.paused || v.seeking) return
    const ranges: [number, number][] = []
    for (let i = 0; i < v.buffered.length; i++) ranges.push([v.buffered.start(i), v.buffered.end(i)])
    const action = catchUp(this.#lastLatency, bufferAhead(ranges, v.currentTime), v.playbackRate, catchUpFor(this.#mode))
    if (action.kind === 'seek-live') {
      const live = hls.liveSyncPosition
      if (live !== null && live > v.currentTime) v.currentTime = live
    } else if (v.playbackRate !== action.rate) {
      v.playbackRate = action.rate
    }
  }
}

/**
 * Playlist loader for the tuned delivery: in Live mode it waits for complete segments (see
 * directives.ts), and it reports level URLs without `_HLS_*` so p2p-media-loader finds its stream
 * on every blocking update.
 */
function playlistLoader(Base: LoaderCtor, completeSegments: boolean): LoaderCtor {
  return class DirectiveLoader extends Base {
    override load(context: LoaderContext, config: LoaderConfiguration, callbacks: LoaderCallbacks<LoaderContext>): void {
      if (completeSegments) context.url = waitForCompleteSegment(context.url)
      super.load(context, config, {
        ...callbacks,
        onSuccess: (response, stats, ctx, details) => callbacks.onSuccess({ ...response, url: stripDirectives(response.url) }, stats, ctx, details),
      })
    }
  }
}

/** hls.js's default loader, counting the bytes of media it fetches (parts, init sections, fallbacks). */
function countingLoader(Base: LoaderCtor, onBytes: (n: number) => void): LoaderCtor {
  return class CountingLoader extends Base {
    override load(context: LoaderContext, config: LoaderConfiguration, callbacks: LoaderCallbacks<LoaderContext>): void {
      const isMedia = 'frag' in context
      super.load(context, config, {
        ...callbacks,
        onSuccess: (response, stats, ctx, details) => {
          if (isMedia && response.data instanceof ArrayBuffer) onBytes(response.data.byteLength)
          callbacks.onSuccess(response, stats, ctx, details)
        },
      })
    }
  }
}
