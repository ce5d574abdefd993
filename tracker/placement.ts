/**
 * Placement: which tracker instance and cell a viewer should use. Pure and deterministic, so the
 * engagement service, a CDN edge or a test can compute it without asking the trackers.
 *
 * A cell is `event / [rendition /] locality / bucket`. Rendezvous (highest-random-weight) hashing
 * maps each cell to exactly one instance, so every viewer of one cell meets the others on the same
 * tracker; adding or removing an instance moves only the cells that scored highest on it.
 */

/** One tracker instance; `url` is its public `wss://host[:port]` base. */
export interface TrackerInstance {
  id: string
  url: string
  /** Relative capacity (default 1). */
  weight?: number
}

/** What placement needs to know about a viewer. */
export interface PlacementInput {
  eventId: string
  /**
   * Pin one rendition to its own cells. Leave undefined for p2p-media-loader: it derives one swarm
   * per variant itself and uses one tracker URL for all of them.
   */
  rendition?: string
  /** Locality key, e.g. country + ASN from the edge, or a network prefix; '' when unknown. */
  locality: string
  /** A stable per-viewer key (session id) spreading viewers across the locality's cells. */
  viewerKey: string
  /** Cells per locality; see {@link cellsFor}. */
  cellsPerLocality: number
  instances: readonly TrackerInstance[]
}

/** Where a viewer goes. */
export interface Placement {
  instanceId: string
  /** Announce URL, with the event namespace: `<url>/e/<eventId>`. */
  trackerUrl: string
  cell: string
  /** Value for p2p-media-loader's `swarmId`, unique per cell. */
  swarmId: string
}

/** Typed placement failures. */
export class PlacementError extends Error {
  constructor(readonly code: 'NO_INSTANCES' | 'BAD_INPUT', message: string) {
    super(message)
    this.name = 'PlacementError'
  }
}

/** 53-bit string hash (cyrb53): fast, well mixed, identical in Node and browsers. */
export function hash53(s: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed
  let h2 = 0x41c6ce57 ^ seed
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    h1 = Math.imul(h1 ^ c, 2654435761)
    h2 = Math.imul(h2 ^ c, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return 4294967296 * (2097151 & h2) + (h1 >>> 0)
}

/** Cells needed so a locality's expected viewers fit `cellMaxPeers` per cell (at least 1). */
export function cellsFor(expectedViewers: number, cellMaxPeers: number): number {
  return Math.max(1, Math.ceil(expectedViewers / Math.max(1, cellMaxPeers)))
}

/** The instance that owns `cell` under weighted rendezvous hashing. */
export function ownerOf(cell: string, instances: readonly TrackerInstance[]): TrackerInstance {
  let best: TrackerInstance | undefined
  let bestScore = -Infinity
  for (const inst of instances) {
    // Uniform in (0, 1); -w / ln(u) is the weighted rendezvous score.
    const u = (hash53(`${cell}\n${inst.id}`) + 1) / (2 ** 53 + 2)
    const score = -(inst.weight ?? 1) / Math.log(u)
    if (score > bestScore || (score === bestScore && best !== undefined && inst.id < best.id)) {
      best = inst
      bestScore = score
    }
  }
  if (best === undefined) throw new PlacementError('NO_INSTANCES', 'no tracker instances')
  return best
}

/** Maps a viewer to its tracker URL and cell. */
export function placeViewer(input: PlacementInput): Placement {
  if (input.eventId === '' || !/^[A-Za-z0-9_.-]{1,64}$/.test(input.eventId)) throw new PlacementError('BAD_INPUT', 'eventId must match [A-Za-z0-9_.-]{1,64}')
  if (!Number.isInteger(input.cellsPerLocality) || input.cellsPerLocality < 1) throw new PlacementError('BAD_INPUT', 'cellsPerLocality must be a positive integer')
  const bucket = hash53(input.viewerKey, 7) % input.cellsPerLocality
  const parts = [input.eventId, ...(input.rendition !== undefined ? [input.rendition] : []), input.locality === '' ? '*' : input.locality, String(bucket)]
  const cell = parts.join('/')
  const owner = ownerOf(cell, input.instances)
  return { instanceId: owner.id, trackerUrl: `${owner.url.replace(/\/+$/, '')}/e/${input.eventId}`, cell, swarmId: `swarmstage:${cell}` }
}
