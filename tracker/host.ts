/**
 * Transport-neutral connection handling: rate limits, parsing, the swarm core, encoding and
 * backpressure. Both transports (uWebSockets.js and `ws`) drive this through {@link Sink}s.
 */
import type { Logger } from '../common/log.ts'
import { parseClientMessage, type ProtocolErrorCode } from './protocol/messages.ts'
import {
  encodeAnnounceReply,
  encodeFailure,
  encodeForwardedOffer,
  encodeRelayedAnswer,
  encodeScrapeReply,
  FrameArena,
  type Alloc,
  type Frame,
} from './protocol/encode.ts'
import { SwarmCore, type CoreStats, type Outgoing } from './core/swarm-core.ts'
import { peerTtlSec, type TrackerConfig } from './config.ts'
import type { ShardPool } from './shard-pool.ts'

/** The transport's handle on one socket. */
export interface Sink {
  /**
   * Sends text frames now, as one write where the transport can (uWS cork); returns how many
   * the transport dropped.
   */
  sendBatch(frames: Frame[]): number
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
}

interface ConnState {
  sink: Sink
  tokens: number
  refillMs: number
  open: boolean
  /** Frames waiting for the end-of-turn flush, and their bytes. */
  queue: Frame[] | undefined
  queuedBytes: number
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

/** Encodes one core output into a frame. */
export function encodeOutgoing(o: Outgoing, intervalSec: number, alloc?: Alloc): Frame {
  switch (o.type) {
    case 'reply':
      return encodeAnnounceReply(o.infoHash, intervalSec, o.complete, o.incomplete)
    case 'offer':
      return encodeForwardedOffer(o.infoHash, o.fromPeerId, o.offerId, o.offer, alloc)
    case 'answer':
      return encodeRelayedAnswer(o.infoHash, o.fromPeerId, o.offerId, o.answer, alloc)
    case 'scrape':
      return encodeScrapeReply(o.files, intervalSec)
    case 'failure':
      return encodeFailure(o.infoHash, o.reason)
  }
}

/** One tracker instance's connections and swarms, independent of the socket library. */
export class TrackerHost {
  readonly counters: HostCounters = { messages: 0, announces: 0, answers: 0, scrapes: 0, rejected: 0, dropped: 0, rateLimited: 0, oversized: 0, slowClosed: 0, internalErrors: 0 }
  readonly rejectedByCode = new Map<ProtocolErrorCode, number>()
  private readonly conns = new Map<number, ConnState>()
  private readonly core: SwarmCore
  private nextId = 1
  private dirty: ConnState[] = []
  private flushScheduled = false
  private readonly arena: FrameArena | undefined

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
    /** True when the transport copies frames during send, so frame memory can be reused. */
    copiesOnSend = false,
    /** Swarm-core worker threads; without them the core runs in this thread. */
    private readonly shards?: ShardPool,
  ) {
    this.arena = copiesOnSend ? new FrameArena() : undefined
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
    this.conns.set(id, { sink, tokens: this.config.rateLimitBurst, refillMs: this.now(), open: true, queue: undefined, queuedBytes: 0 })
    if (this.shards !== undefined) this.shards.open(id, namespace, locality)
    else this.core.open(id, namespace, locality)
    return id
  }

  /**
   * Handles one frame. Views into `bytes` are used only synchronously, so a transport may reuse
   * its buffer as soon as this returns.
   */
  message(id: number, bytes: Uint8Array): void {
    try {
      this.handleMessage(id, bytes)
    } catch (err) {
      // A bug must cost one connection, never the process.
      this.counters.internalErrors++
      this.log.error({ err }, 'message handling failed')
      this.closeConn(id, 1011, 'internal error')
    }
  }

  private handleMessage(id: number, bytes: Uint8Array): void {
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
    const parsed = parseClientMessage(this.shards !== undefined ? new Uint8Array(bytes) : bytes)
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
    const queued = target.sink.buffered() + target.queuedBytes
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
    const frame = encodeOutgoing(o, this.config.intervalSec, this.arena?.alloc)
    if (target.queue === undefined) {
      target.queue = [frame]
      this.dirty.push(target)
    } else target.queue.push(frame)
    target.queuedBytes += frame.length
    if (!this.flushScheduled) {
      this.flushScheduled = true
      this.schedule(this.flushBound)
    }
  }

  private readonly flushBound = (): void => {
    this.flush()
  }

  /** Writes every queued frame; runs once per I/O turn. */
  flush(): void {
    this.flushScheduled = false
    const dirty = this.dirty
    this.dirty = []
    for (const conn of dirty) {
      const frames = conn.queue
      conn.queue = undefined
      conn.queuedBytes = 0
      if (!conn.open || frames === undefined) continue
      try {
        this.counters.dropped += conn.sink.sendBatch(frames)
      } catch (err) {
        this.log.debug({ err }, 'send failed')
      }
    }
    this.arena?.reset()
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
    conn.queue = undefined
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
