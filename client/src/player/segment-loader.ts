import type { FragmentLoaderContext, HlsConfig, Loader, LoaderCallbacks, LoaderConfiguration, LoaderStats } from 'hls.js'
import { httpDeadlineMs } from './latency.ts'
import { isSeeder } from './seeding.ts'
import type { LiveSegmentStore } from './segment-store.ts'

/**
 * Fragment loader of the tuned Live mode, layered on p2p-media-loader-hlsjs's loader:
 * - the rendezvous seeders of a new segment fetch it from the origin at once and put it into the
 *   P2P store, so the core announces it to peers within milliseconds;
 * - everyone else asks the core (peers) and, if the segment has not arrived `leadSec` before the
 *   playhead needs it, fetches it over HTTP itself. The core's own high-demand switch is evaluated at
 *   most once a second, too coarse for a one-second slack.
 * Segments fetched here are stored too, so they are shared and the core drops its own download.
 */

/** What the loader needs from the player. */
export interface SeedingHost {
  swarmId: string
  peerId: string
  seedersPerSegment: number
  /** Seconds before it is needed that a segment still missing is fetched over HTTP. */
  leadSec: number
  store(): LiveSegmentStore | null
  /** p2p-media-loader's storage stream id of an hls.js level index. */
  streamIdOf(level: number): string | undefined
  peers(): Iterable<string>
  /** Playback position, rate and whether it is playing. */
  playback(): { position: number; rate: number; playing: boolean }
  addHttpBytes(n: number, why: 'seed' | 'deadline'): void
}

type FragLoaderCtor = new (config: HlsConfig) => Loader<FragmentLoaderContext>

/** Subclasses the engine's fragment loader with seeding and the HTTP deadline. */
export function seedingFragmentLoader(Base: FragLoaderCtor, host: SeedingHost): FragLoaderCtor {
  return class SeedingLoader extends Base {
    #fetch: AbortController | null = null
    #timer: ReturnType<typeof setTimeout> | undefined
    #settled = false

    override load(context: FragmentLoaderContext, config: LoaderConfiguration, callbacks: LoaderCallbacks<FragmentLoaderContext>): void {
      const frag = context.frag
      const sn = frag.sn
      const store = host.store()
      const streamId = host.streamIdOf(frag.level)
      if (typeof sn !== 'number' || !store || !streamId || store.hasSegment(host.swarmId, streamId, sn)) {
        super.load(context, config, callbacks)
        return
      }
      const fetchAndStore = async (why: 'seed' | 'deadline'): Promise<ArrayBuffer> => {
        const abort = new AbortController()
        this.#fetch = abort
        const res = await fetch(context.url, { signal: abort.signal })
        if (!res.ok) throw new Error(`HTTP ${res.status}`)
        const data = await res.arrayBuffer()
        host.addHttpBytes(data.byteLength, why)
        if (host.store() === store) store.put(host.swarmId, streamId, sn, data, frag.start, frag.end)
        return data
      }
      if (isSeeder(host.peerId, host.peers(), `${frag.level}:${sn}`, host.seedersPerSegment)) {
        fetchAndStore('seed')
          .catch(() => undefined) // the core's own path below still loads it
          .finally(() => { if (!this.#fetch?.signal.aborted) super.load(context, config, callbacks) })
        return
      }
      // Race the swarm against the deadline; whichever delivers first wins, the other is ignored.
      const start = performance.now()
      const win = (data: ArrayBuffer): void => {
        if (this.#settled) return
        this.#settled = true
        clearTimeout(this.#timer)
        const stats = this.stats as LoaderStats
        const end = performance.now()
        stats.loading = { start, first: start + (end - start) / 2, end }
        stats.loaded = data.byteLength
        stats.total = data.byteLength
        callbacks.onSuccess({ url: context.url, data }, stats, context, null)
      }
      const fallback = (): void => {
        if (this.#settled || this.#fetch) return
        fetchAndStore('deadline').then(win, (e: unknown) => {
          if (this.#settled) return
          this.#settled = true
          callbacks.onError({ code: 0, text: e instanceof Error ? e.message : 'HTTP fallback failed' }, context, null, this.stats)
        })
      }
      const p = host.playback()
      this.#timer = setTimeout(fallback, httpDeadlineMs(frag.start, p.position, p.rate, p.playing, host.leadSec))
      super.load(context, config, {
        ...callbacks,
        onSuccess: (response, stats, ctx, details) => {
          if (this.#settled) return
          this.#settled = true
          clearTimeout(this.#timer)
          callbacks.onSuccess(response, stats, ctx, details)
        },
        // A failed swarm attempt is not the viewer's problem while HTTP can still deliver.
        onError: () => fallback(),
        onTimeout: () => fallback(),
      })
    }

    override abort(): void {
      clearTimeout(this.#timer)
      this.#fetch?.abort()
      this.#settled = true
      super.abort()
    }

    override destroy(): void {
      clearTimeout(this.#timer)
      this.#fetch?.abort()
      super.destroy()
    }
  }
}
