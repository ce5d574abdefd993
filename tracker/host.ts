/**
 * Transport-neutral connection handling: rate limits, parsing, the swarm core, encoding and
 * backpressure. Both transports (uWebSockets.js and `ws`) drive this through {@link Sink}s.
 */
import type { Logger } from '../common/log.ts'
import { parseClientMessage, type ProtocolErrorCode } from './protocol/messages.ts'
import { encodeAnnounceReply, encodeFailure, encodeScrapeReply, relayFrameBytes, writeRelayFrame } from './protocol/encode.ts'
import { emptyQueue, Outbox, type OutQueue } from './outbox.ts'
import { SwarmCore, type CoreStats, type Outgoing } from './core/swarm-core.ts'
import { peerTtlSec, type TrackerConfig } from './config.ts'
import type { ShardPool } from './shard-pool.ts'

/** The transport's handle on one socket. */
export interface Sink {
  /**
   * Sends text frames now, as one write where the transport can (uWS cork); returns how many
   * the transport dropped. The views are reused after the call: a transport that keeps a frame
   * past it must copy it.
   */
  sendBatch(frames: Uint8Array[]): number
  /** Bytes queued and not yet written to the socket. */
  buffered(): number
  /** Closes with a WebSocket close code. */
  close(code: number, reason: string): void
}

/** Close codes the tracker uses. */
export const CLOSE = { tooBig: 1009, policy: 1008, goingAway: 1001 } as const

/** Counters behind `/stats` and `/metrics`. */
export interface HostCounters {
  messages: number
  announces: number
  answers: number
  scrapes: number
  rejected: number
  dropped: number
  rateLimited: number
  oversized: number
  slowClosed: number
  internalErrors: number
  /** Frames handed to the transport, and the batched writes (one per socket per turn) they took. */
  framesSent: number
  socketWrites: number
}

interface ConnState extends OutQueue {
  sink: Sink
  tokens: number
  refillMs: number
  open: boolean
  /** The transport's buffered bytes, read when the first frame of this turn was queued. */
  sinkBuffered: number
}

/** Refills a token bucket and takes one token; false when the connection is over its rate. */
export function takeToken(state: { tokens: number; refillMs: number }, nowMs: number, perSec: number, burst: number): boolean {
  const elapsed = nowMs - state.refillMs
  if (elapsed > 0) {
    state.tokens = Math.min(burst, state.tokens + (elapsed * perSec) / 1000)
    state.refillMs = nowMs
  }
  if (state.tokens < 1) return false
  state.tokens -= 1
  return true
}

/** The core outputs that are encoded as text; relays are written as bytes (see `writeRelayFrame`). */
export type TextOutgoing = Exclude<Outgoing, { type: 'offer' | 'answer' }>

/** Encodes a reply, scrape reply or failure. */
export function encodeText(o: TextOutgoing, intervalSec: number): string {
  switch (o.type) {
    case 'reply':
      return encodeAnnounceReply(o.infoHash, intervalSec, o.complete, o.incomplete)
    case 'scrape':
      return encodeScrapeReply(o.files, intervalSec)
    case 'failure':
      return encodeFailure(o.infoHash, o.reason)
  }
}

/** One tracker instance's connections and swarms, independent of the socket library. */
export class TrackerHost {
  readonly counters: HostCounters = { messages: 0, announces: 0, answers: 0, scrapes: 0, rejected: 0, dropped: 0, rateLimited: 0, oversized: 0, slowClosed: 0, internalErrors: 0, framesSent: 0, socketWrites: 0 }
  readonly rejectedByCode = new Map<ProtocolErrorCode, number>()
  private readonly conns = new Map<number, ConnState>()
  private readonly core: SwarmCore
  private nextId = 1
  private dirty: ConnState[] = []
  private flushScheduled = false
  private readonly outbox: Outbox

  /**
   * `schedule` runs the flush after the current I/O turn: frames for one socket produced while
   * handling many incoming messages leave in one write, which is most of the kernel cost.
   */
  constructor(
    private readonly config: TrackerConfig,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    private readonly rng: () => number = Math.random,
    private readonly schedule: (f: () => void) => void = setImmediate,
    /** Swarm-core worker threads; without them the core runs in this thread. */
    private readonly shards?: ShardPool,
  ) {
    // A relayed frame is at most one client frame plus a short head.
    this.outbox = new Outbox(Math.max(1 << 20, 2 * config.maxMessageBytes + 4096))
    shards?.attach({
      deliver: (o) => {
        this.deliver(o)
      },
      internalErrors: (n) => {
        this.counters.internalErrors += n
      },
    })
    this.core = new SwarmCore({
      intervalSec: config.intervalSec,
      maxOffers: config.maxOffers,
      cellMaxPeers: config.cellMaxPeers,
      maxPeersPerConnection: config.maxPeersPerConnection,
      peerTtlSec: peerTtlSec(config),
    })
  }

  /** Open connections. */
  get connections(): number {
    return this.conns.size
  }

  /** Registers an admitted socket; returns its id. */
  open(sink: Sink, namespace: string, locality: string): number {
    const id = this.nextId++
    this.conns.set(id, { sink, tokens: this.config.rateLimitBurst, refillMs: this.now(), open: true, sinkBuffered: 0, ...emptyQueue() })
    if (this.shards !== undefined) this.shards.open(id, namespace, locality)
    else this.core.open(id, namespace, locality)
    return id
  }

  /**
   * Handles one frame. Views into `bytes` are used only synchronously, so a transport may reuse
   * its buffer as soon as this returns. `utf8Checked` says the transport already rejected it if it
   * was not UTF-8 (true for text frames on both transports; binary frames are checked here).
   */
  message(id: number, bytes: Uint8Array, utf8Checked = false): void {
    try {
      this.handleMessage(id, bytes, utf8Checked)
    } catch (err) {
      // A bug must cost one connection, never the process.
      this.counters.internalErrors++
      this.log.error({ err }, 'message handling failed')
      this.closeConn(id, 1011, 'internal error')
    }
  }

  private handleMessage(id: number, bytes: Uint8Array, utf8Checked: boolean): void {
    const conn = this.conns.get(id)
    if (conn === undefined) return
    this.counters.messages++
    const nowMs = this.now()
    if (!takeToken(conn, nowMs, this.config.rateLimitPerSec, this.config.rateLimitBurst)) {
      this.counters.rateLimited++
      this.closeConn(id, CLOSE.policy, 'rate limit')
      return
    }
    if (bytes.byteLength > this.config.maxMessageBytes) {
      this.counters.oversized++
      this.closeConn(id, CLOSE.tooBig, 'message too big')
      return
    }
    // Sharded: the offer/answer views outlive this call (they cross to a worker), so they must
    // point into our own copy, not the transport's reused buffer. One memcpy per frame.
    const parsed = parseClientMessage(this.shards !== undefined ? new Uint8Array(bytes) : bytes, utf8Checked)
    if (!parsed.ok) {
      // Ignored rather than answered with a bare error: bittorrent-tracker's client reconnects on
      // any frame without a valid action, and a reconnect costs the viewer minutes of P2P.
      this.counters.rejected++
      this.rejectedByCode.set(parsed.code, (this.rejectedByCode.get(parsed.code) ?? 0) + 1)
      if (parsed.infoHash !== undefined) this.deliver({ to: id, type: 'failure', infoHash: parsed.infoHash, reason: `invalid message: ${parsed.code}` })
      return
    }
    const m = parsed.message
    if (m.kind === 'announce') this.counters.announces++
    else if (m.kind === 'answer') this.counters.answers++
    else this.counters.scrapes++
    if (this.shards !== undefined) this.shards.message(id, m)
    else for (const o of this.core.handle(id, m, nowMs, this.rng)) this.deliver(o)
  }

  private deliver(o: Outgoing): void {
    const target = this.conns.get(o.to)
    if (target === undefined) return
    if (target.head < 0) target.sinkBuffered = target.sink.buffered()
    const queued = target.sinkBuffered + target.bytes
    if (queued > this.config.closeAboveBytes) {
      this.counters.slowClosed++
      this.closeConn(o.to, CLOSE.policy, 'too slow')
      return
    }
    // Offers and answers are expendable (the client retries next interval); replies are not.
    if (queued > this.config.dropAboveBytes && o.type !== 'reply') {
      this.counters.dropped++
      return
    }
    const box = this.outbox
    let text: string | undefined
    let max: number
    if (o.type === 'offer') max = relayFrameBytes('offer', o.infoHash, o.fromPeerId, o.offerId, o.offer)
    else if (o.type === 'answer') max = relayFrameBytes('answer', o.infoHash, o.fromPeerId, o.offerId, o.answer)
    else {
      text = encodeText(o, this.config.intervalSec)
      max = text.length * 3
    }
    if (!box.reserve(max)) {
      // This turn's blocks are full: send what is queued and start over.
      this.flush()
      if (target.head < 0) target.sinkBuffered = target.sink.buffered()
      if (!box.reserve(max)) throw new Error('outbox refused a frame after a flush')
    }
    let end: number
    if (o.type === 'offer') end = writeRelayFrame(box.buf, box.at, 'offer', o.infoHash, o.fromPeerId, o.offerId, o.offer)
    else if (o.type === 'answer') end = writeRelayFrame(box.buf, box.at, 'answer', o.infoHash, o.fromPeerId, o.offerId, o.answer)
    else end = box.at + box.buf.utf8Write(text ?? '', box.at)
    if (target.head < 0) this.dirty.push(target)
    box.push(target, end - box.at)
    if (!this.flushScheduled) {
      this.flushScheduled = true
      this.schedule(this.flushBound)
    }
  }

  private readonly flushBound = (): void => {
    if (this.flushScheduled) this.flush()
  }

  /** Writes every queued frame; runs once per I/O turn (or early when the outbox is full). */
  flush(): void {
    this.flushScheduled = false
    const dirty = this.dirty
    this.dirty = []
    for (const conn of dirty) {
      const frames = this.outbox.take(conn)
      if (!conn.open || frames.length === 0) continue
      this.counters.framesSent += frames.length
      this.counters.socketWrites++
      try {
        this.counters.dropped += conn.sink.sendBatch(frames)
      } catch (err) {
        this.log.debug({ err }, 'send failed')
      }
    }
    this.outbox.reset(this.now())
  }

  private closeConn(id: number, code: number, reason: string): void {
    const conn = this.conns.get(id)
    if (conn === undefined) return
    this.closed(id)
    try {
      conn.sink.close(code, reason)
    } catch (err) {
      this.log.debug({ err }, 'close failed')
    }
  }

  /** The transport reports a socket gone; everything it owned is released. */
  closed(id: number): void {
    const conn = this.conns.get(id)
    if (conn === undefined) return
    conn.open = false
    this.conns.delete(id)
    if (this.shards !== undefined) this.shards.disconnect(id)
    else this.core.close(id)
  }

  /**
   * Expires stale memberships; the server calls this on a timer. Returns how many expired; with
   * shards the sweep runs in each worker, so this reports what earlier sweeps expired.
   */
  sweep(): number {
    if (this.shards === undefined) return this.core.sweep(this.now())
    const total = this.shards.expired
    const delta = total - this.reportedExpired
    this.reportedExpired = total
    this.shards.sweep()
    return delta
  }

  private reportedExpired = 0

  /** Core totals; with shards, as of their latest replies and the last {@link freshCoreStats}. */
  coreStats(top = 10): CoreStats {
    return this.shards !== undefined ? this.shards.cachedStats() : this.core.stats(top)
  }

  /** Core totals and the `top` largest swarms, asked of every shard. */
  freshCoreStats(top = 10): Promise<CoreStats> {
    return this.shards !== undefined ? this.shards.stats(top) : Promise.resolve(this.core.stats(top))
  }

  /** Closes every connection (shutdown). */
  closeAll(): void {
    for (const id of [...this.conns.keys()]) this.closeConn(id, CLOSE.goingAway, 'shutting down')
  }
}
