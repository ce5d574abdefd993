/** Prometheus metrics of the ingest side. */
import { Counter, Gauge, type Registry } from 'prom-client'

/** Ingest metric handles, registered once per origin. */
export interface IngestMetrics {
  refused: Counter<'protocol' | 'reason'>
  accepted: Counter<'protocol'>
  live: Gauge
  restarts: Counter<'event' | 'angle'>
  speed: Gauge<'event' | 'angle'>
  fps: Gauge<'event' | 'angle'>
  fragments: Counter<'event' | 'angle'>
}

/** Creates and registers the ingest metrics. */
export function createIngestMetrics(registry: Registry): IngestMetrics {
  const registers = [registry]
  return {
    refused: new Counter({ name: 'origin_publish_refused_total', help: 'Publish attempts refused', labelNames: ['protocol', 'reason'], registers }),
    accepted: new Counter({ name: 'origin_publish_accepted_total', help: 'Publish attempts accepted', labelNames: ['protocol'], registers }),
    live: new Gauge({ name: 'origin_publishers_live', help: 'Publishers currently live', registers }),
    restarts: new Counter({ name: 'origin_ffmpeg_restarts_total', help: 'ffmpeg restarts after a crash', labelNames: ['event', 'angle'], registers }),
    speed: new Gauge({ name: 'origin_ffmpeg_speed', help: 'ffmpeg speed (media s per wall s)', labelNames: ['event', 'angle'], registers }),
    fps: new Gauge({ name: 'origin_ffmpeg_fps', help: 'ffmpeg output frames per second', labelNames: ['event', 'angle'], registers }),
    fragments: new Counter({ name: 'origin_fragments_total', help: 'CMAF fragments handed to the packager', labelNames: ['event', 'angle'], registers }),
  }
}
