// Per-event ordered streams of one gateway instance: bus subscription, in-order delivery, hole fill and tail check from the feed.
import type { Logger } from '../../common/log.ts'
import type { ServerMessage } from '../../common/wire/realtime.ts'
import type { Kv } from '../platform/kv.ts'
import { lastFeedSeq, lastFeedSeqs, readFeed, type FeedItem } from './feed.ts'
import { subscribeBus, type BusMessage } from './bus.ts'
import { acceptItems, orderState, skipTo, tailRange, type OrderState } from './ordering.ts'
import { Ring } from './resume.ts'
import type { Audience, FeedQueryable } from './types.ts'

/** Where a stream hands what it delivers (the hub's fan-out). */
export interface StreamSink {
  /** The next ordered item of the event, in seq order, exactly once. */
  item(eventId: string, item: FeedItem): void
  /** An unordered message from the bus. */
  message(eventId: string, audience: Audience, msg: ServerMessage): void
}

/** What the streams need. */
export interface StreamDeps {
  db: FeedQueryable
  kv: Pick<Kv, 'sSubscribe'>
  log: Logger
  ringItems: number
  /** How long an event without connections stays subscribed (reconnects come back quickly). */
  lingerMs: number
  /** Counters. */
  onFill?: (items: number) => void
}

const FILL_BATCH = 1000

interface Stream {
  eventId: string
  order: OrderState<FeedItem>
  ring: Ring<FeedItem>
  refs: number
  ready: Promise<void>
  isReady: boolean
  /** Items that arrived on the bus before the newest seq was read. */
  early: FeedItem[]
  stopBus: (() => Promise<void>) | null
  /** The fill in progress, if any. */
  fillRun: Promise<void> | null
  /** Newest seq a fill in progress must also reach (requests that came in meanwhile). */
  fillUpto: number
  linger: NodeJS.Timeout | null
  dead: boolean
}

/** The ordered streams of the events that have connections on this instance. */
export class EventStreams {
  private readonly streams = new Map<string, Stream>()

  constructor(
    private readonly deps: StreamDeps,
    private readonly sink: StreamSink,
  ) {}

  /** Holds the event's stream (subscribing and reading its newest seq on first use); resolves once it is live. */
  async acquire(eventId: string): Promise<void> {
    let s = this.streams.get(eventId)
    if (s === undefined) {
      s = this.open(eventId)
      this.streams.set(eventId, s)
    }
    s.refs++
    if (s.linger !== null) {
      clearTimeout(s.linger)
      s.linger = null
    }
    try {
      await s.ready
    } catch (err) {
      this.release(eventId)
      throw err
    }
  }

  /** Lets go of one hold; the last one lets the stream linger, then closes it. */
  release(eventId: string): void {
    const s = this.streams.get(eventId)
    if (s === undefined || s.refs <= 0) return
    s.refs--
    if (s.refs > 0) return
    s.linger = setTimeout(() => {
      if (s.refs === 0) void this.drop(s)
    }, this.deps.lingerMs)
    s.linger.unref()
  }

  /** Newest seq delivered on this instance (0 for an unknown event). */
  lastSeq(eventId: string): number {
    return this.streams.get(eventId)?.order.lastSeq ?? 0
  }

  /** Events with at least one hold. */
  events(): string[] {
    return [...this.streams.values()].filter((s) => s.refs > 0 && s.isReady).map((s) => s.eventId)
  }

  /** Delivered items in `(after, upto]`, from the ring when it holds them, else from the feed table. */
  async range(eventId: string, after: number, upto: number, limit: number): Promise<FeedItem[]> {
    const s = this.streams.get(eventId)
    const ring = s?.ring.range(after, Math.min(upto, after + limit))
    if (ring !== undefined && ring !== null) return ring
    return readFeed(this.deps.db, eventId, after, upto, limit)
  }

  /** Reads the event's newest seq from the feed and delivers up to it (a client claims a seq this instance has not seen). */
  async syncToFeed(eventId: string): Promise<void> {
    const s = this.streams.get(eventId)
    if (s === undefined || !s.isReady) return
    const last = await lastFeedSeq(this.deps.db, eventId)
    const range = tailRange(s.order, last)
    if (range !== null) await this.fill(s, range)
  }

  /** One tail check over every local event: a lost last bus message is read from the feed. */
  async tailCheck(): Promise<void> {
    const live = [...this.streams.values()].filter((s) => s.isReady && !s.dead)
    if (live.length === 0) return
    const last = await lastFeedSeqs(this.deps.db, live.map((s) => s.eventId))
    await Promise.all(
      live.map(async (s) => {
        const range = tailRange(s.order, last.get(s.eventId) ?? 0)
        if (range !== null) await this.fill(s, range)
      }),
    )
  }

  /** Closes every stream. */
  async close(): Promise<void> {
    await Promise.all([...this.streams.values()].map((s) => this.drop(s)))
  }

  private open(eventId: string): Stream {
    const s: Stream = { eventId, order: orderState(0), ring: new Ring(this.deps.ringItems), refs: 0, ready: Promise.resolve(), isReady: false, early: [], stopBus: null, fillRun: null, fillUpto: 0, linger: null, dead: false }
    s.ready = (async () => {
      // Subscribe first, then read the newest seq: an item committed in between arrives on the bus
      // (delivered if newer) or is already counted in the seq (dropped as a duplicate).
      const stop = await subscribeBus(this.deps.kv, eventId, (m) => this.onBus(s, m))
      s.stopBus = stop
      if (s.dead) {
        await stop()
        return
      }
      s.order = orderState(await lastFeedSeq(this.deps.db, eventId))
      s.isReady = true
      const early = s.early
      s.early = []
      this.accept(s, early)
    })()
    s.ready.catch(() => {
      if (this.streams.get(eventId) === s) this.streams.delete(eventId)
      s.dead = true
      void s.stopBus?.()
    })
    return s
  }

  private onBus(s: Stream, m: BusMessage): void {
    if (s.dead) return
    if (m.k === 'msg') {
      this.sink.message(s.eventId, m.audience, m.msg)
      return
    }
    if (!s.isReady) s.early.push(m.item)
    else this.accept(s, [m.item])
  }

  private accept(s: Stream, items: readonly FeedItem[]): void {
    const step = acceptItems(s.order, items)
    this.deliver(s, step.deliver)
    if (step.missing !== null) void this.fill(s, step.missing)
  }

  private deliver(s: Stream, items: readonly FeedItem[]): void {
    for (const item of items) {
      s.ring.push(item)
      try {
        this.sink.item(s.eventId, item)
      } catch (err) {
        this.deps.log.error({ err: (err as Error).message, eventId: s.eventId }, 'realtime delivery failed')
      }
    }
  }

  /** Reads `(after, upto]` from the feed and delivers it in order; one fill per event at a time. */
  private fill(s: Stream, range: { after: number; upto: number }): Promise<void> {
    s.fillUpto = Math.max(s.fillUpto, range.upto)
    s.fillRun ??= this.runFill(s).finally(() => {
      s.fillRun = null
    })
    return s.fillRun
  }

  private async runFill(s: Stream): Promise<void> {
    try {
      while (s.order.lastSeq < s.fillUpto && !s.dead) {
        const upto = s.fillUpto
        const rows = await readFeed(this.deps.db, s.eventId, s.order.lastSeq, upto, FILL_BATCH)
        this.deps.onFill?.(rows.length)
        const before = s.order.lastSeq
        const step = acceptItems(s.order, rows)
        this.deliver(s, step.deliver)
        // Seqs absent from a committed feed (rows removed by hand) must not stall the stream.
        if (s.order.lastSeq === before) this.deliver(s, skipTo(s.order, rows[0]?.seq !== undefined ? rows[0].seq - 1 : upto))
      }
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message, eventId: s.eventId }, 'realtime hole fill failed; the tail check retries')
    }
  }

  private async drop(s: Stream): Promise<void> {
    s.dead = true
    if (s.linger !== null) clearTimeout(s.linger)
    if (this.streams.get(s.eventId) === s) this.streams.delete(s.eventId)
    try {
      await s.stopBus?.()
    } catch (err) {
      this.deps.log.debug({ err: (err as Error).message }, 'bus unsubscribe failed')
    }
  }
}
