import { Registry, collectDefaultMetrics } from 'prom-client'

/** One Prometheus registry per service, with process metrics and a `service` label. */
export function createRegistry(service: string): Registry {
  const registry = new Registry()
  registry.setDefaultLabels({ service })
  collectDefaultMetrics({ register: registry })
  return registry
}

/** Body of `/health`: cheap, no I/O, safe to poll every second. */
export function healthBody(service: string, startedAtMs: number, nowMs: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ status: 'ok', service, uptimeSec: Math.round((nowMs - startedAtMs) / 1000), ...extra })
}
