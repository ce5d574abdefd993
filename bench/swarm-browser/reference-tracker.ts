import type { Server as HttpServer } from 'node:http'

/**
 * Typed access to the reference WebTorrent tracker (`bittorrent-tracker/server`, which ships no types).
 * Only what the stand-in uses is declared.
 */

/** The parts of bittorrent-tracker's Server we use. */
export interface ReferenceTracker {
  http: HttpServer | null
  on(event: string, listener: (...args: unknown[]) => void): void
  listen(port: number, host: string, onListening: () => void): void
  close(cb: () => void): void
}

/** Constructor options we pass. */
export interface ReferenceTrackerOptions {
  udp: boolean
  http: boolean
  ws: boolean
  stats: boolean
  /** Announce interval told to clients, ms. */
  interval: number
}

/** Creates the reference tracker server. */
export async function createReferenceTracker(opts: ReferenceTrackerOptions): Promise<ReferenceTracker> {
  // A non-literal specifier: the package has no types to check against.
  const specifier = 'bittorrent-tracker/server'
  const mod = (await import(specifier)) as { default: new (o: ReferenceTrackerOptions) => ReferenceTracker }
  return new mod.default(opts)
}
