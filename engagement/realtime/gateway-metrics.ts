// The gateway's Prometheus metrics (served on its own port at /metrics).
import { Counter, Gauge, type Registry } from 'prom-client'

/** The counters and gauges of one gateway instance, registered on `registry`. */
export function gatewayMetrics(registry: Registry) {
  const r = [registry]
  return {
    connections: new Gauge({ name: 'gateway_connections', help: 'Open gateway connections', registers: r }),
    frames: new Counter({ name: 'gateway_frames_total', help: 'Client frames by type', labelNames: ['type'], registers: r }),
    refused: new Counter({ name: 'gateway_refused_total', help: 'Refused client frames and writes by error code', labelNames: ['code'], registers: r }),
    closed: new Counter({ name: 'gateway_closed_total', help: 'Connections closed by the gateway, by reason', labelNames: ['reason'], registers: r }),
    items: new Counter({ name: 'gateway_items_total', help: 'Ordered items delivered in order on this instance', registers: r }),
    filled: new Counter({ name: 'gateway_fill_rows_total', help: 'Feed rows read to fill holes or a lost tail', registers: r }),
    replayed: new Counter({ name: 'gateway_replayed_total', help: 'Items replayed to resuming connections', registers: r }),
    gaps: new Counter({ name: 'gateway_gaps_total', help: 'Resumes answered with gap + snapshot', registers: r }),
    slow: new Counter({ name: 'gateway_slow_total', help: 'Times a slow connection stopped getting tick snapshots', registers: r }),
  }
}

/** What {@link gatewayMetrics} returns. */
export type GatewayMetrics = ReturnType<typeof gatewayMetrics>
