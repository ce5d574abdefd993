/**
 * The main thread's side of the sharded swarm core: N worker threads, each running
 * core/shard-worker.ts, own disjoint sets of swarms chosen by {@link shardOf}. Messages are
 * routed by info_hash and posted once per I/O turn per shard; the replies come back as core
 * {@link Outgoing}s for the host to encode and send.
 *
 * Kept here on main: which shards know a connection (so a close reaches exactly those), each
 * connection's memberships per shard (so `maxPeersPerConnection` holds across shards), and the
 * shards' latest totals (so `/metrics` needs no round trip).
 */
import { Worker } from 'node:worker_threads'
import type { Logger } from '../common/log.ts'
import type { AnnounceMessage, AnswerMessage, ClientMessage } from './protocol/messages.ts'
import type { ScrapeFile } from './protocol/encode.ts'
import type { CoreConfig, CoreStats, Outgoing } from './core/swarm-core.ts'
import { OUT, OUT_WIDTH, shardOf, type ShardBatch, type ShardOp, type ShardReply } from './core/shard-protocol.ts'

/** Most shards; a connection's shard set is a 32-bit mask. */
export const MAX_SHARDS = 32

interface PoolConn {
  namespace: string
  locality: string
  /** Bit s set: shard s has been told about this connection. */
  opened: number
  /** Memberships held in each shard, as last reported. */
  counts: number[]
  /** Announces posted and not yet answered: each might be a join. */
  pending: number
}

interface Inflight {
  pendingConns: number[]
  tags: number[]
  /** The full messages behind the batch's `msg` ops, by op index: their bytes stay here. */
  full: (AnnounceMessage | AnswerMessage | undefined)[]
}

interface Wait {
  remaining: number
  /** Scrapes: the reply's files by original position, and each shard's positions. */
  scrape?: { conn: number; files: ScrapeFile[]; positions: Map<number, number[]> }
  /** Stats: the parts so far and who waits for them. */
  stats?: { parts: CoreStats[]; resolve: (s: CoreStats[]) => void }
}

/** What the pool hands back to its host. */
export interface PoolHost {
  deliver(o: Outgoing): void
  /** Operations that threw inside a shard. */
  internalErrors(n: number): void
}

const emptyTotals = (): CoreStats => ({ connections: 0, peers: 0, swarms: 0, cells: 0, topSwarms: [] })

/** N swarm-core worker threads and the routing to them. */
export class ShardPool {
  private readonly queues: ShardOp[][]
  private readonly fulls: (AnnounceMessage | AnswerMessage | undefined)[][]
  private readonly inflight: Inflight[][]
  private readonly pendingOf: number[][]
  private readonly tagsOf: number[][]
  private readonly totals: CoreStats[]
  private readonly conns = new Map<number, PoolConn>()
  private readonly waits = new Map<number, Wait>()
  private host: PoolHost | undefined
  private scheduled = false
  private nextTag = 1
  private closing = false
  /** Top swarms from the last {@link stats} call. */
  private lastTop: CoreStats['topSwarms'] = []
  /** Memberships expired by the shards' sweeps since start. */
  expired = 0

  private constructor(
    private readonly workers: Worker[],
    private readonly coreConfig: CoreConfig,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {
    const n = workers.length
    this.queues = Array.from({ length: n }, () => [])
    this.fulls = Array.from({ length: n }, () => [])
    this.inflight = Array.from({ length: n }, () => [])
    this.pendingOf = Array.from({ length: n }, () => [])
    this.tagsOf = Array.from({ length: n }, () => [])
    this.totals = Array.from({ length: n }, emptyTotals)
    workers.forEach((w, s) => this.wire(w, s))
  }

  /** Starts `shards` workers and resolves once every one has loaded; rejects if any cannot. */
  static async start(shards: number, coreConfig: CoreConfig, log: Logger, now: () => number = Date.now): Promise<ShardPool> {
    if (shards < 1 || shards > MAX_SHARDS) throw new Error(`shards must be 1..${MAX_SHARDS}`)
    const workers = await Promise.all(Array.from({ length: shards }, () => spawn(coreConfig)))
    return new ShardPool(workers, coreConfig, log, now)
  }

  /** Number of shards. */
  get size(): number {
    return this.workers.length
  }

  /** Connects the pool to the host that encodes and sends its output. */
  attach(host: PoolHost): void {
    this.host = host
  }

  /** Registers a connection; shards hear about it only when it first touches one of their swarms. */
  open(conn: number, namespace: string, locality: string): void {
    this.conns.set(conn, { namespace, locality, opened: 0, counts: new Array<number>(this.workers.length).fill(0), pending: 0 })
  }

  /**
   * Routes one parsed message. Its offer/answer bytes must be owned by the caller (copied out of
   * the socket library's buffer): they are kept here until the shard says where they go.
   */
  message(conn: number, msg: ClientMessage): void {
    const c = this.conns.get(conn)
    if (c === undefined) return
    if (msg.kind === 'scrape') {
      this.scrape(conn, c, msg.infoHashes ?? [])
      return
    }
    const s = shardOf(c.namespace, msg.infoHash, this.workers.length)
    this.ensureOpen(conn, c, s)
    let canJoin = true
    if (msg.kind === 'announce' && msg.event !== 'stopped') {
      let held = c.pending
      for (const n of c.counts) held += n
      canJoin = held < this.coreConfig.maxPeersPerConnection
      c.pending++
      this.pendingOf[s]?.push(conn)
    }
    const slim =
      msg.kind === 'announce'
        ? { kind: msg.kind, infoHash: msg.infoHash, peerId: msg.peerId, event: msg.event, numwant: msg.numwant, offers: msg.offers.length }
        : { kind: msg.kind, infoHash: msg.infoHash, peerId: msg.peerId, toPeerId: msg.toPeerId }
    this.push(s, { op: 'msg', conn, msg: slim, canJoin }, msg)
  }

  private scrape(conn: number, c: PoolConn, infoHashes: string[]): void {
    if (infoHashes.length === 0) {
      this.host?.deliver({ to: conn, type: 'scrape', files: [] })
      return
    }
    const positions = new Map<number, number[]>()
    infoHashes.forEach((ih, i) => {
      const s = shardOf(c.namespace, ih, this.workers.length)
      const list = positions.get(s)
      if (list === undefined) positions.set(s, [i])
      else list.push(i)
    })
    const tag = this.nextTag++
    const files = infoHashes.map((infoHash) => ({ infoHash, complete: 0, incomplete: 0 }))
    this.waits.set(tag, { remaining: positions.size, scrape: { conn, files, positions } })
    for (const [s, idx] of positions) {
      this.ensureOpen(conn, c, s)
      this.tagsOf[s]?.push(tag)
      this.push(s, { op: 'scrape', conn, tag, infoHashes: idx.map((i) => infoHashes[i] ?? '') })
    }
  }

  private ensureOpen(conn: number, c: PoolConn, s: number): void {
    const bit = 1 << s
    if ((c.opened & bit) !== 0) return
    c.opened |= bit
    this.push(s, { op: 'open', conn, namespace: c.namespace, locality: c.locality })
  }

  /** A connection is gone: every shard that knew it releases what it held. */
  disconnect(conn: number): void {
    const c = this.conns.get(conn)
    if (c === undefined) return
    this.conns.delete(conn)
    for (let s = 0; s < this.workers.length; s++) if ((c.opened & (1 << s)) !== 0) this.push(s, { op: 'close', conn })
  }

  /** Asks every shard to expire stale memberships (counted in {@link expired} when they answer). */
  sweep(): void {
    for (let s = 0; s < this.workers.length; s++) this.push(s, { op: 'sweep' })
  }

  /** Totals as of the shards' latest replies, and the top swarms of the last {@link stats} call. */
  cachedStats(): CoreStats {
    return merge(this.totals, this.lastTop, this.conns.size)
  }

  /** Fresh totals and the `top` largest swarms across every shard. */
  async stats(top = 10): Promise<CoreStats> {
    const tag = this.nextTag++
    const parts = await new Promise<CoreStats[]>((resolve) => {
      this.waits.set(tag, { remaining: this.workers.length, stats: { parts: [], resolve } })
      for (let s = 0; s < this.workers.length; s++) {
        this.tagsOf[s]?.push(tag)
        this.push(s, { op: 'stats', tag, top })
      }
    })
    const all = parts.flatMap((p) => p.topSwarms).sort((a, b) => b.peers - a.peers).slice(0, top)
    this.lastTop = all
    return merge(parts, all, this.conns.size)
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    this.closing = true
    await Promise.all(this.workers.map((w) => w.terminate()))
  }

  private push(s: number, op: ShardOp, full?: AnnounceMessage | AnswerMessage): void {
    this.queues[s]?.push(op)
    this.fulls[s]?.push(full)
    if (!this.scheduled) {
      this.scheduled = true
      setImmediate(this.flush)
    }
  }

  private readonly flush = (): void => {
    this.scheduled = false
    const nowMs = this.now()
    for (let s = 0; s < this.workers.length; s++) {
      const ops = this.queues[s]
      if (ops === undefined || ops.length === 0) continue
      this.queues[s] = []
      this.inflight[s]?.push({ pendingConns: this.pendingOf[s] ?? [], tags: this.tagsOf[s] ?? [], full: this.fulls[s] ?? [] })
      this.fulls[s] = []
      this.pendingOf[s] = []
      this.tagsOf[s] = []
      const batch: ShardBatch = { nowMs, ops }
      this.workers[s]?.postMessage(batch)
    }
  }

  private wire(w: Worker, s: number): void {
    w.on('message', (reply: ShardReply) => {
      this.onReply(s, reply)
    })
    w.on('error', (err) => {
      this.log.error({ err, shard: s }, 'shard worker failed')
    })
    w.on('exit', (code) => {
      if (!this.closing) this.replace(s, code)
    })
  }

  private onReply(s: number, reply: ShardReply): void {
    const done = this.inflight[s]?.shift()
    this.settle(done)
    for (let i = 0; i + 1 < reply.counts.length; i += 2) {
      const c = this.conns.get(reply.counts[i] ?? 0)
      if (c !== undefined) c.counts[s] = reply.counts[i + 1] ?? 0
    }
    this.totals[s] = { ...reply.totals, topSwarms: [] }
    this.expired += reply.expired
    if (reply.errors > 0) this.host?.internalErrors(reply.errors)
    const full = done?.full ?? []
    const out = reply.out
    for (let i = 0; i + OUT_WIDTH <= out.length; i += OUT_WIDTH) {
      const o = expand(full[out[i] ?? -1], out[i + 1], out[i + 2] ?? 0, out[i + 3] ?? 0, out[i + 4] ?? 0, reply.reasons)
      if (o !== undefined) this.host?.deliver(o)
    }
    for (const [tag, files] of reply.scrapes) this.part(tag, s, files, undefined)
    for (const [tag, stats] of reply.stats) this.part(tag, s, undefined, stats)
  }

  private settle(done: Inflight | undefined): void {
    for (const id of done?.pendingConns ?? []) {
      const c = this.conns.get(id)
      if (c !== undefined) c.pending--
    }
  }

  private part(tag: number, s: number, files: ScrapeFile[] | undefined, stats: CoreStats | undefined): void {
    const w = this.waits.get(tag)
    if (w === undefined) return
    if (w.scrape !== undefined && files !== undefined) {
      const idx = w.scrape.positions.get(s) ?? []
      files.forEach((f, i) => {
        const at = idx[i]
        if (at !== undefined) w.scrape?.files.splice(at, 1, f)
      })
    }
    if (w.stats !== undefined && stats !== undefined) w.stats.parts.push(stats)
    if (--w.remaining > 0) return
    this.waits.delete(tag)
    if (w.scrape !== undefined) this.host?.deliver({ to: w.scrape.conn, type: 'scrape', files: w.scrape.files })
    w.stats?.resolve(w.stats.parts)
  }

  /**
   * A shard died (a bug or out of memory): its swarms are lost, so it restarts empty and every
   * connection counts as new to it. Clients rejoin on their next announce, which is a join.
   */
  private replace(s: number, code: number): void {
    this.log.error({ shard: s, code }, 'shard worker exited; restarting it empty')
    for (const done of this.inflight[s]?.splice(0) ?? []) {
      this.settle(done)
      for (const tag of done.tags) this.part(tag, s, [], emptyTotals())
    }
    const bit = 1 << s
    for (const c of this.conns.values()) {
      c.opened &= ~bit
      c.counts[s] = 0
    }
    this.totals[s] = emptyTotals()
    spawn(this.coreConfig).then(
      (w) => {
        if (this.closing) {
          void w.terminate()
          return
        }
        this.workers[s] = w
        this.wire(w, s)
      },
      (err: unknown) => {
        this.log.error({ err, shard: s }, 'shard worker could not restart')
      },
    )
  }
}

/** Rebuilds a core output from a shard's record and the message main kept. */
function expand(m: AnnounceMessage | AnswerMessage | undefined, code: number | undefined, to: number, a: number, b: number, reasons: string[]): Outgoing | undefined {
  if (m === undefined) return undefined
  switch (code) {
    case OUT.reply:
      return { to, type: 'reply', infoHash: m.infoHash, complete: a, incomplete: b }
    case OUT.offer: {
      const offer = m.kind === 'announce' ? m.offers[a] : undefined
      return offer === undefined ? undefined : { to, type: 'offer', infoHash: m.infoHash, fromPeerId: m.peerId, offerId: offer.offerId, offer: offer.offer }
    }
    case OUT.answer:
      return m.kind === 'answer' ? { to, type: 'answer', infoHash: m.infoHash, fromPeerId: m.peerId, offerId: m.offerId, answer: m.answer } : undefined
    case OUT.failure:
      return { to, type: 'failure', infoHash: m.infoHash, reason: reasons[a] ?? 'refused' }
    default:
      return undefined
  }
}

function merge(parts: CoreStats[], topSwarms: CoreStats['topSwarms'], connections: number): CoreStats {
  const t = emptyTotals()
  for (const p of parts) {
    t.peers += p.peers
    t.swarms += p.swarms
    t.cells += p.cells
  }
  return { ...t, connections, topSwarms }
}

/** One worker running core/shard-worker.ts (through its tsx bootstrap); resolves once it has loaded. */
function spawn(coreConfig: CoreConfig): Promise<Worker> {
  const w = new Worker(new URL('./core/shard-worker-boot.mjs', import.meta.url), { workerData: coreConfig })
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      reject(err)
    }
    const onExit = (code: number): void => {
      reject(new Error(`shard worker exited with ${String(code)} while starting`))
    }
    w.once('error', onError)
    w.once('exit', onExit)
    w.once('message', () => {
      w.off('error', onError)
      w.off('exit', onExit)
      w.unref()
      resolve(w)
    })
  })
}
