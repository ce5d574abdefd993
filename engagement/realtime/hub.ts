// Transport-neutral gateway core: connections, frames, per-connection catch-up in seq order, fan-out to topics, loops.
import type { Registry } from 'prom-client'
import type { ClientMessage, ReactMsg, ServerMessage, VoteMsg } from '../../common/wire/realtime.ts'
import type { Logger } from '../../common/log.ts'
import type { EngagementConfig } from '../config.ts'
import type { Db } from '../platform/db.ts'
import type { Kv } from '../platform/kv.ts'
import { EventStreams } from './event-streams.ts'
import { gatewayMetrics, type GatewayMetrics } from './gateway-metrics.ts'
import type { FeedItem } from './feed.ts'
import { errorMsg, parseClientFrame } from './frames.ts'
import { HookRegistry, topic } from './hooks.ts'
import { fixedWindow, fullBucket, takeToken, type Bucket } from './limits.ts'
import { oldestResumable, planResume } from './resume.ts'
import type { Identity } from './admission.ts'
import type { Audience, GatewayHooks, RealtimeConn } from './types.ts'

/** The transport's handle on one socket. */
export interface GatewaySocket {
  /** Sends one text frame; false when the transport did not take it. */
  send(text: string): boolean
  /** Runs `fn` with writes batched (uWS cork); the fallback just runs it. */
  cork(fn: () => void): void
  /** Bytes queued and not yet written. */
  buffered(): number
  subscribe(topic: string): void
  unsubscribe(topic: string): void
  close(code: number, reason: string): void
}

/** Topic fan-out of the transport (uWS `app.publish`; by hand on `ws`). */
export interface Fanout {
  publish(topic: string, text: string): void
}

/** Close codes. */
export const CLOSE = { goingAway: 1001, policy: 1008, tooBig: 1009, internal: 1011 } as const

/** What the hub needs from the service. */
export interface HubDeps {
  config: EngagementConfig
  db: Db
  kv: Kv
  log: Logger
  /** Service clock (hello's serverTime, kv windows, ticks). */
  now: () => number
  /** Monotonic clock for token buckets. */
  monotonic?: () => number
  registry: Registry
}

interface Conn extends RealtimeConn {
  readonly id: number
  /** What it was admitted with (moderator re-checks); kept off the object the features see. */
  readonly who: Identity
  readonly socket: GatewaySocket
  readonly audience: Audience
  bucket: Bucket
  phase: 'waiting' | 'catching-up' | 'live' | 'closed'
  /** Bumped by every resume: an older catch-up stops. */
  gen: number
  helloSeq: number
  wait: NodeJS.Timeout | null
  /** Tick snapshots are skipped while the socket is slow. */
  ticksOff: boolean
  /** Ordered items started without a resume (the wait ran out, or another frame came first). */
  unresumed: boolean
}

const REPLAY_BATCH = 500

/** One gateway instance's connections and event streams. */
export class Hub {
  readonly registry: HookRegistry
  readonly hooks: GatewayHooks
  readonly streams: EventStreams
  private readonly conns = new Map<number, Conn>()
  private readonly perEvent = new Map<string, Set<Conn>>()
  private fanout: Fanout = { publish: () => undefined }
  private nextId = 1
  private pending = 0
  private readonly monotonic: () => number
  private readonly m: GatewayMetrics

  constructor(private readonly deps: HubDeps) {
    this.monotonic = deps.monotonic ?? (() => performance.now())
    this.m = gatewayMetrics(deps.registry)
    this.registry = new HookRegistry(deps.log)
    this.hooks = this.registry.hooks(
      (eventId, msg, audience) => {
        this.broadcast(eventId, msg, audience ?? 'public')
      },
      () => [...this.perEvent.keys()],
    )
    this.streams = new EventStreams(
      { db: deps.db, kv: deps.kv, log: deps.log, ringItems: deps.config.gatewayRingItems, lingerMs: 10_000, onFill: (n) => this.m.filled.inc(n) },
      { item: (eventId, item) => this.deliver(eventId, item), message: (eventId, audience, msg) => this.broadcast(eventId, msg, audience) },
    )
  }

  /** The transport's fan-out. */
  attach(fanout: Fanout): void {
    this.fanout = fanout
  }

  /** Open connections. */
  get connections(): number {
    return this.conns.size
  }

  /** True when an upgrade must be refused (503). */
  atCapacity(): boolean {
    return this.conns.size + this.pending >= this.deps.config.gatewayMaxConnections
  }

  /** Holds the event's stream for an admitted upgrade; the transport calls {@link open} or {@link abandon} next. */
  async prepare(eventId: string): Promise<void> {
    this.pending++
    try {
      await this.streams.acquire(eventId)
    } finally {
      this.pending--
    }
  }

  /** An admitted upgrade that never opened (the client went away). */
  abandon(eventId: string): void {
    this.streams.release(eventId)
  }

  /** Registers an upgraded socket of a {@link prepare}d event; sends hello. Returns the connection id. */
  open(socket: GatewaySocket, who: Identity): number {
    const id = this.nextId++
    const audience: Audience = who.role === 'moderator' ? 'moderators' : 'public'
    const conn: Conn = { eventId: who.eventId, userId: who.userId, role: who.role, addressGroup: who.addressGroup, who, id, socket, audience, bucket: fullBucket(this.deps.config.gatewayFrameBurst, this.monotonic()), phase: 'waiting', gen: 0, helloSeq: 0, wait: null, ticksOff: false, unresumed: false }
    this.conns.set(id, conn)
    let set = this.perEvent.get(who.eventId)
    if (set === undefined) this.perEvent.set(who.eventId, (set = new Set()))
    set.add(conn)
    this.m.connections.inc()
    socket.subscribe(topic(who.eventId, 'unordered', audience))
    conn.helloSeq = this.streams.lastSeq(who.eventId)
    this.send(conn, { type: 'hello', eventId: who.eventId, seq: conn.helloSeq, serverTime: this.deps.now(), role: who.role, userId: who.userId })
    // Ordered items wait for the client's resume (exactly once, in order); without one they start at hello's seq.
    conn.wait = setTimeout(() => {
      if (conn.phase === 'waiting') this.startUnresumed(conn)
    }, this.deps.config.gatewayResumeWaitMs)
    conn.wait.unref()
    return id
  }

  /** One client frame. A bug costs this connection only. */
  message(id: number, text: string, bytes: number, isBinary: boolean): void {
    const conn = this.conns.get(id)
    if (conn === undefined) return
    try {
      this.handle(conn, text, bytes, isBinary)
    } catch (err) {
      this.deps.log.error({ err: (err as Error).message }, 'gateway frame handling failed')
      this.closeConn(conn, CLOSE.internal, 'internal error')
    }
  }

  /** The transport reports a socket gone. */
  closed(id: number): void {
    const conn = this.conns.get(id)
    if (conn === undefined) return
    conn.phase = 'closed'
    if (conn.wait !== null) clearTimeout(conn.wait)
    this.conns.delete(id)
    const set = this.perEvent.get(conn.eventId)
    set?.delete(conn)
    if (set !== undefined && set.size === 0) this.perEvent.delete(conn.eventId)
    this.m.connections.dec()
    this.streams.release(conn.eventId)
  }

  /** Connections per local event (presence). */
  localCounts(): Map<string, number> {
    return new Map([...this.perEvent].map(([e, s]) => [e, s.size]))
  }

  /** Sends to this instance's subscribers of the event (unordered; skipped for slow sockets). */
  broadcast(eventId: string, msg: ServerMessage, audience: Audience): void {
    if (!this.perEvent.has(eventId)) return
    const text = JSON.stringify(msg)
    this.fanout.publish(topic(eventId, 'unordered', 'moderators'), text)
    if (audience === 'public') this.fanout.publish(topic(eventId, 'unordered', 'public'), text)
  }

  /** Per tick: slow sockets stop getting tick snapshots until they drain, and past the limit are closed. */
  sweepSlow(): void {
    const { gatewayDropAboveBytes: drop, gatewayCloseAboveBytes: cut } = this.deps.config
    for (const conn of this.conns.values()) {
      const b = conn.socket.buffered()
      if (b > cut) {
        this.m.closed.inc({ reason: 'slow' })
        this.closeConn(conn, CLOSE.policy, 'too slow')
      } else if (b > drop && !conn.ticksOff) {
        conn.ticksOff = true
        conn.socket.unsubscribe(topic(conn.eventId, 'unordered', conn.audience))
        this.m.slow.inc()
      } else if (b <= drop / 2 && conn.ticksOff) {
        conn.ticksOff = false
        conn.socket.subscribe(topic(conn.eventId, 'unordered', conn.audience))
      }
    }
  }

  /**
   * Re-checks every moderator connection with `check`; one that fails is closed (1008) and
   * reconnects with what it is allowed now (the moderators' view shows pending and anonymous data).
   */
  async recheckModerators(check: (who: Identity) => Promise<boolean>): Promise<void> {
    for (const conn of [...this.conns.values()]) {
      if (conn.role !== 'moderator' || conn.phase === 'closed') continue
      let ok: boolean
      try {
        ok = await check(conn.who)
      } catch (err) {
        // An unreachable store must not drop every moderator; the next round decides.
        this.deps.log.warn({ err: (err as Error).message }, 'moderator re-check failed')
        continue
      }
      if (!ok) {
        this.m.closed.inc({ reason: 'access' })
        this.closeConn(conn, CLOSE.policy, 'access changed')
      }
    }
  }

  /** Closes every connection (shutdown): clients reconnect elsewhere and resume. */
  closeAll(): void {
    for (const conn of [...this.conns.values()]) this.closeConn(conn, CLOSE.goingAway, 'shutting down')
  }

  private deliver(eventId: string, item: FeedItem): void {
    this.m.items.inc()
    if (!this.perEvent.has(eventId)) return
    if (item.public !== null) this.fanout.publish(topic(eventId, 'ordered', 'public'), JSON.stringify(item.public))
    this.fanout.publish(topic(eventId, 'ordered', 'moderators'), JSON.stringify(item.moderators))
  }

  private handle(conn: Conn, text: string, bytes: number, isBinary: boolean): void {
    if (!takeToken(conn.bucket, this.monotonic(), this.deps.config.gatewayFramesPerSec, this.deps.config.gatewayFrameBurst)) {
      this.m.closed.inc({ reason: 'flood' })
      this.closeConn(conn, CLOSE.policy, 'rate limit')
      return
    }
    const r = parseClientFrame(text, bytes, isBinary)
    if (!r.ok) {
      this.m.refused.inc({ code: r.code })
      if (r.code === 'FRAME_TOO_BIG') {
        this.closeConn(conn, CLOSE.tooBig, 'frame too big')
        return
      }
      this.send(conn, errorMsg(r.code, r.message, r.ref))
      return
    }
    const msg: ClientMessage = r.msg
    this.m.frames.inc({ type: msg.type })
    if (msg.type === 'resume') {
      // Items after hello went out before this late resume: replaying older ones now would put them
      // behind newer ones, so the client starts over from a snapshot instead (never a silent hole).
      const late = conn.unresumed && msg.afterSeq < conn.helloSeq
      conn.unresumed = false
      this.startCatchUp(conn, msg.afterSeq, late)
      return
    }
    // Any other first frame means the client does not resume: its stream starts at hello's seq.
    if (conn.phase === 'waiting') this.startUnresumed(conn)
    if (msg.type === 'ping') this.send(conn, { type: 'pong' })
    else void this.write(conn, msg)
  }

  /** vote and react: signed-in only, per-account limit over every instance, then the feature's handler. */
  private async write(conn: Conn, msg: VoteMsg | ReactMsg): Promise<void> {
    const ref = msg.type === 'vote' ? msg.ref : undefined
    const refuse = (code: string, message: string): void => {
      this.m.refused.inc({ code })
      this.send(conn, errorMsg(code, message, ref))
    }
    if (conn.userId === null) return refuse('UNAUTHENTICATED', 'sign in to vote and react')
    try {
      const w = fixedWindow(this.deps.now(), 60_000)
      const used = await this.deps.kv.incr(`rl:rtw:${conn.userId}:${String(w.index)}`, w.ttlMs)
      if (used.count > this.deps.config.gatewayAccountWritesPerMin) return refuse('TOO_MANY_REQUESTS', 'too many votes and reactions from this account; slow down')
      let reply: ServerMessage | null
      if (msg.type === 'vote') {
        const fn = this.registry.vote
        if (fn === null) return refuse('UNAVAILABLE', 'voting is not available on this gateway')
        reply = await fn(conn, msg)
      } else {
        const fn = this.registry.react
        if (fn === null) return refuse('UNAVAILABLE', 'reactions are not available on this gateway')
        reply = await fn(conn, msg)
      }
      if (reply !== null) this.send(conn, reply)
    } catch (err) {
      this.deps.log.error({ err: (err as Error).message, type: msg.type }, 'gateway write handler failed')
      refuse('INTERNAL', 'the request could not be handled; try again')
    }
  }

  private startUnresumed(conn: Conn): void {
    conn.unresumed = true
    this.startCatchUp(conn, conn.helloSeq)
  }

  private startCatchUp(conn: Conn, afterSeq: number, forceGap = false): void {
    if (conn.phase === 'closed') return
    if (conn.wait !== null) {
      clearTimeout(conn.wait)
      conn.wait = null
    }
    if (conn.phase === 'live') conn.socket.unsubscribe(topic(conn.eventId, 'ordered', conn.audience))
    conn.phase = 'catching-up'
    const gen = ++conn.gen
    this.catchUp(conn, afterSeq, gen, forceGap).catch((err: unknown) => {
      this.deps.log.warn({ err: (err as Error).message, eventId: conn.eventId }, 'gateway catch-up failed')
      this.closeConn(conn, CLOSE.internal, 'catch-up failed')
    })
  }

  /**
   * Sends every item after `afterSeq` (replay, or gap + snapshot), then subscribes the connection
   * to the live items in the same synchronous step that finds it caught up: no item is missed or
   * sent twice, and the connection sees seqs in increasing order.
   */
  private async catchUp(conn: Conn, afterSeq: number, gen: number, forceGap: boolean): Promise<void> {
    const ev = conn.eventId
    const stale = (): boolean => conn.gen !== gen || conn.phase === 'closed'
    if (afterSeq > this.streams.lastSeq(ev)) {
      await this.streams.syncToFeed(ev)
      if (stale()) return
    }
    const window = this.deps.config.gatewayHistoryItems
    const plan = planResume(afterSeq, this.streams.lastSeq(ev), window)
    let from = afterSeq
    if (plan.kind === 'gap' || forceGap) {
      this.m.gaps.inc()
      this.send(conn, { type: 'gap', afterSeq, oldestSeq: plan.kind === 'gap' ? plan.oldestSeq : oldestResumable(this.streams.lastSeq(ev), window) })
      const at = this.streams.lastSeq(ev)
      const snapshot = await this.registry.snapshot(ev, conn, at)
      if (stale()) return
      this.send(conn, snapshot)
      from = at
    }
    for (;;) {
      if (stale()) return
      const upto = this.streams.lastSeq(ev)
      if (from >= upto) {
        conn.phase = 'live'
        conn.socket.subscribe(topic(ev, 'ordered', conn.audience))
        return
      }
      const items = await this.streams.range(ev, from, upto, REPLAY_BATCH)
      if (stale()) return
      if (items.length === 0) {
        from = upto
        continue
      }
      conn.socket.cork(() => {
        for (const item of items) {
          const r = conn.audience === 'public' ? item.public : item.moderators
          if (r !== null) this.send(conn, r)
        }
      })
      from = items[items.length - 1]?.seq ?? upto
      this.m.replayed.inc(items.length)
    }
  }

  private send(conn: Conn, msg: ServerMessage): void {
    if (conn.phase === 'closed') return
    if (conn.socket.buffered() > this.deps.config.gatewayCloseAboveBytes) {
      this.m.closed.inc({ reason: 'slow' })
      this.closeConn(conn, CLOSE.policy, 'too slow')
      return
    }
    conn.socket.send(JSON.stringify(msg))
  }

  private closeConn(conn: Conn, code: number, reason: string): void {
    if (conn.phase === 'closed') return
    const socket = conn.socket
    this.closed(conn.id)
    try {
      socket.close(code, reason)
    } catch (err) {
      this.deps.log.debug({ err: (err as Error).message }, 'close failed')
    }
  }
}
