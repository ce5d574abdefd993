import type { ViewerStats } from './stats.ts'
import type { Delivery, LatencyMode } from './delivery-config.ts'

/**
 * `window.swarmstage`: what tools outside the page (benchmarks, e2e tests, operators' consoles) read.
 */

/** The page API. */
export interface SwarmstageApi {
  /** Current QoE figures, or null before the player exists. */
  stats(): ViewerStats | null
  /** This viewer's WebTorrent peer id. */
  peerId(): string
  /** Switches camera angle without a reload. */
  selectAngle(id: string): void
  /** Switches latency mode. */
  selectMode(mode: LatencyMode): void
  /** HTTP bytes by reason (seed, deadline, core, other), for tuning. */
  breakdown(): Record<string, number>
  /** Delivery variant in use. */
  delivery(): Delivery
}

/** Installs `window.swarmstage`; returns the uninstaller. */
export function exposeApi(target: object, api: SwarmstageApi): () => void {
  const w = target as { swarmstage?: SwarmstageApi }
  w.swarmstage = api
  return () => {
    if (w.swarmstage === api) delete w.swarmstage
  }
}
