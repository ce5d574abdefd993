import type { SegmentStorage } from 'p2p-media-loader-core'

/**
 * In-memory segment storage for live streams, given to p2p-media-loader as
 * `customSegmentStorageFactory`. Unlike the stock one it lets the player `put` segments it fetched
 * itself (seeding), which makes the core announce them to peers at once.
 */

interface Stored {
  data: ArrayBuffer
  startTime: number
  endTime: number
}

/** Limits of the store. */
export interface SegmentStoreLimits {
  /** Segments kept per stream (oldest dropped first). */
  maxSegmentsPerStream: number
  /** Capacity reported to the core, bytes; the core shrinks its windows when nearly full. */
  capacityBytes: number
}

/** Default limits: 30 one-second segments per stream, 256 MiB. */
export const DEFAULT_STORE_LIMITS: SegmentStoreLimits = { maxSegmentsPerStream: 30, capacityBytes: 256 * 1024 * 1024 }

/** Key of one stream inside a swarm: p2p-media-loader's `streamId` is already swarm-qualified. */
function key(swarmId: string, streamId: string): string {
  return `${swarmId}\n${streamId}`
}

/** A SegmentStorage with an extra `put` for segments fetched outside the core. */
export class LiveSegmentStore implements SegmentStorage {
  readonly #streams = new Map<string, Map<number, Stored>>()
  #used = 0
  #onChange: ((streamId: string) => void) | undefined
  readonly #limits: SegmentStoreLimits

  constructor(limits: SegmentStoreLimits = DEFAULT_STORE_LIMITS) {
    this.#limits = limits
  }

  async initialize(): Promise<void> {
    // Nothing to open: memory only.
  }

  onPlaybackUpdated(): void {
    // Eviction is by count, so the playhead does not matter here.
  }

  onSegmentRequested(): void {
    // Requests need no bookkeeping in a count-limited store.
  }

  async storeSegment(
    swarmId: string,
    streamId: string,
    segmentId: number,
    data: ArrayBuffer,
    startTime: number,
    endTime: number,
  ): Promise<void> {
    this.put(swarmId, streamId, segmentId, data, startTime, endTime)
  }

  /** Stores a segment synchronously and notifies the core (which announces it to peers). */
  put(swarmId: string, streamId: string, segmentId: number, data: ArrayBuffer, startTime: number, endTime: number): void {
    const k = key(swarmId, streamId)
    let stream = this.#streams.get(k)
    if (!stream) {
      stream = new Map()
      this.#streams.set(k, stream)
    }
    const old = stream.get(segmentId)
    if (old) this.#used -= old.data.byteLength
    stream.set(segmentId, { data, startTime, endTime })
    this.#used += data.byteLength
    while (stream.size > this.#limits.maxSegmentsPerStream) {
      let oldest = Infinity
      for (const id of stream.keys()) oldest = Math.min(oldest, id)
      const dropped = stream.get(oldest)
      if (dropped) this.#used -= dropped.data.byteLength
      stream.delete(oldest)
    }
    this.#onChange?.(streamId)
  }

  async getSegmentData(swarmId: string, streamId: string, segmentId: number): Promise<ArrayBuffer | undefined> {
    return this.#streams.get(key(swarmId, streamId))?.get(segmentId)?.data
  }

  getUsage(): { totalCapacity: number; usedCapacity: number } {
    return { totalCapacity: this.#limits.capacityBytes, usedCapacity: Math.min(this.#used, this.#limits.capacityBytes) }
  }

  hasSegment(swarmId: string, streamId: string, segmentId: number): boolean {
    return this.#streams.get(key(swarmId, streamId))?.has(segmentId) ?? false
  }

  getStoredSegmentIds(swarmId: string, streamId: string): number[] {
    return [...(this.#streams.get(key(swarmId, streamId))?.keys() ?? [])]
  }

  setSegmentChangeCallback(callback: (streamId: string) => void): void {
    this.#onChange = callback
  }

  destroy(): void {
    this.#streams.clear()
    this.#used = 0
    this.#onChange = undefined
  }
}
