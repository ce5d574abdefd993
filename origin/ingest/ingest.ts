/**
 * The ingest orchestrator (adapter): checks keys, applies the lifecycle, runs and supervises one
 * ffmpeg per live angle, and forwards its init sections and fragments to the {@link FragmentSink}.
 * Protocol fronts (RTMP, SRT) call {@link Ingest.admit} before any transcoding starts.
 */
import type { FragmentSink, KeyDecision, KeyStore, PublishRefusal, RenditionSpec, StreamTarget } from '../contract.ts'
import type { Logger } from '../../common/log.ts'
import { Lifecycle, type LifecycleEffect } from './lifecycle.ts'
import type { IngestMetrics } from './metrics.ts'
import { transcodeArgs, type TranscodeInput } from './transcoder/args.ts'
import { FfmpegProcess } from './transcoder/ffmpeg-process.ts'

/** Settings of the ingest side. */
export interface IngestOptions {
  keys: KeyStore
  sink: FragmentSink
  ladderFor: (target: StreamTarget) => readonly RenditionSpec[]
  /** Receives the angle label a key decision carries. */
  label?: (target: StreamTarget, label: string) => void
  segmentMs: number
  partTargetMs: number
  probeBytes: number
  analyzeDurationUs: number
  x264Preset: string
  ffmpegPath: string
  graceMs: number
  /** Most ffmpeg restarts per publisher before it is disconnected. */
  maxRestarts: number
  /** Largest FLV backlog queued for ffmpeg before the publisher is dropped. */
  maxInputBacklogBytes: number
  logger: Logger
  metrics: IngestMetrics
  now: () => number
}

/** How the publisher's media reaches ffmpeg, and how to disconnect it. */
export interface PublisherHooks {
  input: TranscodeInput
  /** FLV header + codec configuration, replayed to a restarted ffmpeg (RTMP only). */
  replayHeader?: () => Uint8Array
  /** Disconnect the publisher (operator end, crash loop, backlog). */
  kick: (why: string) => void
}

/** One admitted publisher. */
export interface Publisher {
  readonly id: string
  readonly target: StreamTarget
  /** Feeds FLV bytes (RTMP); false when the transcoder is behind (pause the publisher). */
  writeFlv(bytes: Uint8Array, keyframe: boolean): boolean
  /** Calls `cb` once the transcoder accepts input again (or is gone). */
  onceWritable(cb: () => void): void
  /** A media packet of a URL input (SRT) with its sender timestamp (ms) arrived now. */
  noteMedia(timestampMs: number): void
  /** Resolves once the transcoder has exited. */
  readonly exited: Promise<void>
  /** The publisher's connection ended. */
  disconnect(): void
}

/** Admission result for a protocol front. */
export type AdmitResult = { ok: true; publisher: Publisher } | { ok: false; reason: PublishRefusal }

let nextId = 0

/** Orchestrates keys, lifecycle and transcoders. */
export class Ingest {
  private readonly lifecycle: Lifecycle
  private readonly publishers = new Map<string, PublisherRun>()
  private timer: NodeJS.Timeout | undefined
  private closed = false

  constructor(readonly o: IngestOptions) {
    this.lifecycle = new Lifecycle(o.graceMs)
  }

  /** Checks the key and the one-publisher-per-angle rule; on success starts the transcoder. */
  async admit(streamKey: string, protocol: 'rtmp' | 'srt', hooks: PublisherHooks): Promise<AdmitResult> {
    if (this.closed) return this.refuse(protocol, 'EVENT_NOT_LIVE')
    let decision: KeyDecision
    try {
      decision = await this.o.keys.authorize(streamKey)
    } catch (err) {
      // A key store outage refuses this publisher only; the key itself is never logged.
      this.o.logger.error({ protocol, err: (err as Error).message }, 'key store failed')
      decision = { ok: false, reason: 'KEY_STORE_UNAVAILABLE' }
    }
    if (!decision.ok) return this.refuse(protocol, decision.reason)
    if (this.closed) return this.refuse(protocol, 'EVENT_NOT_LIVE')
    const id = `${protocol}-${++nextId}`
    const adm = this.lifecycle.admit(decision.target, id)
    if (!adm.ok) return this.refuse(protocol, adm.reason)
    if (decision.label !== undefined) this.o.label?.(decision.target, decision.label)
    this.o.metrics.accepted.inc({ protocol })
    this.o.metrics.live.inc()
    this.o.logger.info({ publisher: id, ...decision.target, protocol }, 'publisher live')
    this.apply(adm.effects)
    const run = new PublisherRun(this, id, decision.target, hooks)
    this.publishers.set(id, run)
    void run.exited.then(() => this.publishers.delete(id))
    return { ok: true, publisher: run }
  }

  /** Operator end: disconnects the event's publishers and ends its playlists. Returns the angles ended. */
  endEvent(event: string): number {
    const effects = this.lifecycle.endEvent(event)
    this.apply(effects)
    this.arm()
    return effects.filter((e) => e.kind === 'end').length
  }

  /**
   * Counts and logs a refusal decided by a front before any key check (rate limit, connection caps).
   * `quiet` refusals are only counted: a flood of them must not flood the log too.
   */
  noteRefused(protocol: 'rtmp' | 'srt', reason: string, quiet = false): void {
    this.o.metrics.refused.inc({ protocol, reason })
    if (!quiet) this.o.logger.info({ protocol, reason }, 'publish refused')
  }

  /** Whether an angle has a live publisher now. */
  isLive(target: StreamTarget): boolean {
    return this.lifecycle.isLive(target)
  }

  /** Stops every transcoder and timer. */
  async close(): Promise<void> {
    this.closed = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    const runs = [...this.publishers.values()]
    for (const r of runs) r.kickNow('origin shutting down')
    await Promise.all(runs.map((r) => r.exited))
  }

  /** @internal A publisher or its transcoder is gone for good. */
  dropped(run: PublisherRun): void {
    this.o.metrics.live.dec()
    this.lifecycle.drop(run.target, run.id, this.o.now())
    this.arm()
  }

  /** @internal ffmpeg restarted under a live publisher. */
  restarted(run: PublisherRun): void {
    this.apply(this.lifecycle.restart(run.target, run.id))
  }

  private refuse(protocol: string, reason: PublishRefusal): AdmitResult {
    this.o.metrics.refused.inc({ protocol, reason })
    this.o.logger.info({ protocol, reason }, 'publish refused')
    return { ok: false, reason }
  }

  private apply(effects: LifecycleEffect[]): void {
    const now = this.o.now()
    for (const e of effects) {
      if (e.kind === 'begin') this.o.sink.begin(e.target, this.o.ladderFor(e.target), now)
      else if (e.kind === 'discontinuity') this.o.sink.discontinuity(e.target, now)
      else if (e.kind === 'end') {
        this.o.logger.info({ ...e.target }, 'stream ended')
        this.o.sink.end(e.target, now)
      } else this.publishers.get(e.publisherId)?.kickNow('ended by operator')
    }
  }

  /** One timer for the earliest grace deadline. */
  private arm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    const next = this.lifecycle.nextDeadline()
    if (next === undefined || this.closed) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.apply(this.lifecycle.tick(this.o.now()))
      this.arm()
    }, Math.max(0, next - this.o.now()))
  }
}

/** One publisher with its supervised ffmpeg. */
class PublisherRun implements Publisher {
  private proc: FfmpegProcess | undefined
  private gone = false
  private restarts = 0
  private waitKeyframe = false
  private resolveExited!: () => void
  readonly exited: Promise<void>
  private readonly renditions: readonly RenditionSpec[]

  constructor(private readonly ingest: Ingest, readonly id: string, readonly target: StreamTarget, private readonly hooks: PublisherHooks) {
    this.exited = new Promise((r) => (this.resolveExited = r))
    this.renditions = ingest.o.ladderFor(target)
    this.spawn()
  }

  writeFlv(bytes: Uint8Array, keyframe: boolean): boolean {
    if (this.gone || this.proc === undefined) return true
    if (this.waitKeyframe) {
      const isVideo = bytes[0] === 9
      if (isVideo && !keyframe) return true
      if (isVideo) this.waitKeyframe = false
    }
    const ok = this.proc.write(bytes)
    // Safety net: the front pauses on `false`, so this only trips if it does not.
    if (this.proc.pendingInputBytes > this.ingest.o.maxInputBacklogBytes) this.kickNow('transcoder backlog')
    return ok
  }

  onceWritable(cb: () => void): void {
    if (this.gone || this.proc === undefined) queueMicrotask(cb)
    else this.proc.onceWritable(cb)
  }

  noteMedia(timestampMs: number): void {
    this.proc?.noteMedia(timestampMs, this.ingest.o.now())
  }

  disconnect(): void {
    if (this.gone) return
    this.gone = true
    this.ingest.dropped(this)
    const p = this.proc
    if (p === undefined) this.resolveExited()
    else {
      p.stop().then(
        () => this.resolveExited(),
        (err: unknown) => {
          this.ingest.o.logger.error({ publisher: this.id, err: (err as Error).message }, 'ffmpeg stop failed')
          this.resolveExited()
        },
      )
    }
  }

  kickNow(why: string): void {
    this.hooks.kick(why)
    this.disconnect()
  }

  private spawn(): void {
    const o = this.ingest.o
    const labels = { event: this.target.event, angle: this.target.angle }
    const args = transcodeArgs({
      input: this.hooks.input,
      renditions: this.renditions,
      segmentMs: o.segmentMs,
      partTargetMs: o.partTargetMs,
      probeBytes: o.probeBytes,
      analyzeDurationUs: o.analyzeDurationUs,
      x264Preset: o.x264Preset,
    })
    const proc: FfmpegProcess = new FfmpegProcess({
      ffmpegPath: o.ffmpegPath,
      args,
      renditions: this.renditions.length,
      logger: o.logger.child({ publisher: this.id, ...labels }),
      now: o.now,
      handlers: {
        init: (i, bytes) => o.sink.init(this.target, this.renditions[i]?.name ?? String(i), bytes),
        fragment: (i, bytes, wall) => {
          o.metrics.fragments.inc(labels)
          o.sink.fragment(this.target, this.renditions[i]?.name ?? String(i), bytes, wall)
        },
        progress: (p) => {
          if (Number.isFinite(p.speed)) o.metrics.speed.set(labels, p.speed)
          o.metrics.fps.set(labels, p.fps)
        },
        exit: (code, signal, expected) => this.onExit(proc, code, signal, expected),
      },
    })
    this.proc = proc
    o.logger.info({ publisher: this.id, pid: proc.pid, ...labels }, 'ffmpeg started')
  }

  private onExit(proc: FfmpegProcess, code: number | null, signal: string | null, expected: boolean): void {
    if (proc !== this.proc) return
    const o = this.ingest.o
    if (expected || this.gone) return
    const replay = this.hooks.replayHeader
    o.logger.warn({ publisher: this.id, code, signal }, 'ffmpeg exited under a live publisher')
    // A URL input (SRT) cannot be re-opened under the same caller session: treat it as a drop.
    if (replay === undefined || this.restarts >= o.maxRestarts) {
      this.kickNow(replay === undefined ? 'transcoder input closed' : 'transcoder crash loop')
      return
    }
    this.restarts++
    o.metrics.restarts.inc({ event: this.target.event, angle: this.target.angle })
    const delay = Math.min(5000, 250 * 2 ** (this.restarts - 1))
    this.proc = undefined
    setTimeout(() => {
      if (this.gone) return
      this.ingest.restarted(this)
      this.spawn()
      this.waitKeyframe = true
      this.proc?.write(replay())
    }, delay)
  }
}
