/**
 * The pure swarm core: connections, peers, swarms and cells. `handle(conn, message, nowMs, rng)`
 * returns the frames to send; there are no sockets, timers or clocks in here.
 *
 * Memory layout is chosen for ~100k idle peers: a peer is one small object; a cell is an array
 * (random picks and O(1) swap-removal); a swarm has one Map from peer_id to peer.
 */
import type { AnnounceMessage, AnswerMessage, ClientMessage, RawId, ScrapeMessage } from '../protocol/messages.ts'
import type { ScrapeFile } from '../protocol/encode.ts'
import { type Cell, Peer, Swarm, Conn, pickCell, removeFromCell, addToCell } from './cells.ts'

/** Settings the core needs; see tracker/config.ts for their meaning. */
export interface CoreConfig {
  intervalSec: number
  maxOffers: number
  cellMaxPeers: number
  maxPeersPerConnection: number
  /** Peers not heard from for this long are expired; about 2× the interval. */
  peerTtlSec: number
}

/** A frame the adapter must encode and send to connection `to`. */
export type Outgoing =
  | { to: number; type: 'reply'; infoHash: string; complete: number; incomplete: number }
  | { to: number; type: 'offer'; infoHash: string; fromPeerId: string; offerId: RawId; offer: Uint8Array }
  | { to: number; type: 'answer'; infoHash: string; fromPeerId: string; offerId: RawId; answer: Uint8Array }
  | { to: number; type: 'scrape'; files: ScrapeFile[] }
  | { to: number; type: 'failure'; infoHash: string; reason: string }

/** Source of randomness in [0, 1), injected so tests are reproducible. */
export type Rng = () => number

/** Totals for `/stats`. */
export interface CoreStats {
  connections: number
  peers: number
  swarms: number
  cells: number
  topSwarms: { infoHash: string; namespace: string; peers: number; cells: number }[]
}

function swarmKey(namespace: string, infoHash: string): string {
  return namespace === '' ? infoHash : `${namespace}\n${infoHash}`
}

/** All swarm state of one tracker shard. */
export class SwarmCore {
  private readonly conns = new Map<number, Conn>()
  private readonly swarms = new Map<string, Swarm>()
  private peerCount = 0
  private cellCount = 0

  /**
   * `onCount`, when given, hears the id of every connection whose membership count in this core
   * changed (join, leave, takeover, expiry), so a sharded host can enforce the per-connection limit
   * across shards.
   */
  constructor(
    readonly config: CoreConfig,
    private readonly onCount?: (connId: number) => void,
  ) {}

  /** Registers a connection; `namespace` isolates swarms (e.g. per event), `locality` groups cells. */
  open(connId: number, namespace: string, locality: string): void {
    this.conns.set(connId, new Conn(connId, namespace, locality))
  }

  /**
   * Handles one validated message from `connId`. Unknown connections are ignored. `canJoin` false
   * refuses any new membership for this connection (the sharded host's cross-shard limit).
   */
  handle(connId: number, msg: ClientMessage, nowMs: number, rng: Rng, canJoin = true): Outgoing[] {
    const conn = this.conns.get(connId)
    if (conn === undefined) return []
    const nowSec = Math.floor(nowMs / 1000)
    if (msg.kind === 'announce') return this.announce(conn, msg, nowSec, rng, canJoin)
    if (msg.kind === 'answer') return this.answer(conn, msg, nowSec)
    return this.scrape(conn, msg)
  }

  private announce(conn: Conn, msg: AnnounceMessage, nowSec: number, rng: Rng, canJoin: boolean): Outgoing[] {
    const key = swarmKey(conn.namespace, msg.infoHash)
    let swarm = this.swarms.get(key)
    let peer = swarm?.byPeerId.get(msg.peerId)
    if (msg.event === 'stopped') {
      if (peer !== undefined && peer.conn === conn) this.removePeer(peer)
      const size = peer?.cell.peers.length ?? 0
      return [{ to: conn.id, type: 'reply', infoHash: msg.infoHash, complete: 0, incomplete: size }]
    }
    if (peer === undefined) {
      if (!canJoin || conn.peers.length >= this.config.maxPeersPerConnection) {
        return [{ to: conn.id, type: 'failure', infoHash: msg.infoHash, reason: 'too many swarms on one connection' }]
      }
      if (swarm === undefined) {
        swarm = new Swarm(key, msg.infoHash, conn.namespace)
        this.swarms.set(key, swarm)
      }
      const { cell, created } = pickCell(swarm, conn.locality, this.config.cellMaxPeers)
      if (created) this.cellCount++
      peer = new Peer(msg.peerId, conn, cell, nowSec)
      addToCell(cell, peer)
      swarm.byPeerId.set(msg.peerId, peer)
      conn.peers.push(peer)
      this.peerCount++
      this.onCount?.(conn.id)
    } else {
      if (peer.conn !== conn) {
        // A reconnect on a new socket takes the membership over from the old one.
        const old = peer.conn.peers
        old.splice(old.indexOf(peer), 1)
        this.onCount?.(peer.conn.id)
        if (!canJoin || conn.peers.length >= this.config.maxPeersPerConnection) {
          this.removePeer(peer, false)
          return [{ to: conn.id, type: 'failure', infoHash: msg.infoHash, reason: 'too many swarms on one connection' }]
        }
        peer.conn = conn
        conn.peers.push(peer)
        this.onCount?.(conn.id)
      }
      peer.seenSec = nowSec
    }
    const cell = peer.cell
    const out: Outgoing[] = [{ to: conn.id, type: 'reply', infoHash: msg.infoHash, complete: 0, incomplete: cell.peers.length }]
    const want = Math.min(msg.numwant ?? msg.offers.length, msg.offers.length, this.config.maxOffers, cell.peers.length - 1)
    if (want > 0) {
      const targets = pickTargets(cell, peer, want, rng)
      for (let i = 0; i < targets.length; i++) {
        const offer = msg.offers[i]
        const target = targets[i]
        if (offer === undefined || target === undefined) break
        out.push({ to: target.conn.id, type: 'offer', infoHash: msg.infoHash, fromPeerId: msg.peerId, offerId: offer.offerId, offer: offer.offer })
      }
    }
    return out
  }

  private answer(conn: Conn, msg: AnswerMessage, nowSec: number): Outgoing[] {
    const swarm = this.swarms.get(swarmKey(conn.namespace, msg.infoHash))
    if (swarm === undefined) return []
    const from = swarm.byPeerId.get(msg.peerId)
    if (from !== undefined && from.conn === conn) from.seenSec = nowSec
    const to = swarm.byPeerId.get(msg.toPeerId)
    // A late answer (the offerer left or expired) is dropped quietly: closing would cost the
    // answerer minutes without P2P.
    if (to === undefined || to.conn === conn) return []
    return [{ to: to.conn.id, type: 'answer', infoHash: msg.infoHash, fromPeerId: msg.peerId, offerId: msg.offerId, answer: msg.answer }]
  }

  private scrape(conn: Conn, msg: ScrapeMessage): Outgoing[] {
    const files: ScrapeFile[] = []
    for (const infoHash of msg.infoHashes ?? []) {
      const swarm = this.swarms.get(swarmKey(conn.namespace, infoHash))
      files.push({ infoHash, complete: 0, incomplete: swarm?.byPeerId.size ?? 0 })
    }
    return [{ to: conn.id, type: 'scrape', files }]
  }

  private removePeer(peer: Peer, fromConn = true): void {
    const cell = peer.cell
    const swarm = cell.swarm
    if (removeFromCell(cell, peer)) this.cellCount--
    swarm.byPeerId.delete(peer.peerId)
    if (swarm.byPeerId.size === 0) this.swarms.delete(swarm.key)
    if (fromConn) {
      const list = peer.conn.peers
      const i = list.indexOf(peer)
      if (i >= 0) list.splice(i, 1)
      this.onCount?.(peer.conn.id)
    }
    this.peerCount--
  }

  /** Forgets a connection and every membership it holds. */
  close(connId: number): void {
    const conn = this.conns.get(connId)
    if (conn === undefined) return
    this.conns.delete(connId)
    for (const peer of conn.peers) this.removePeer(peer, false)
    conn.peers.length = 0
  }

  /**
   * Expires memberships not refreshed within `peerTtlSec`. One pass over every cell array; at
   * 100k peers that is about a millisecond, so the adapter runs it every few seconds.
   */
  sweep(nowMs: number): number {
    const limit = Math.floor(nowMs / 1000) - this.config.peerTtlSec
    let expired = 0
    for (const swarm of [...this.swarms.values()]) {
      for (const cell of [...swarm.cells]) {
        for (let i = cell.peers.length - 1; i >= 0; i--) {
          const peer = cell.peers[i]
          if (peer !== undefined && peer.seenSec < limit) {
            this.removePeer(peer)
            expired++
          }
        }
      }
    }
    return expired
  }

  /** Totals and the `top` largest swarms. */
  stats(top = 10): CoreStats {
    // top = 0 skips the sort: sharded hosts ask for totals after every batch.
    const all = top > 0 ? [...this.swarms.values()].sort((a, b) => b.byPeerId.size - a.byPeerId.size).slice(0, top) : []
    return {
      connections: this.conns.size,
      peers: this.peerCount,
      swarms: this.swarms.size,
      cells: this.cellCount,
      topSwarms: all.map((s) => ({ infoHash: s.infoHash, namespace: s.namespace, peers: s.byPeerId.size, cells: s.cells.length })),
    }
  }

  /** Every cell's members as `{ peerId, connId, seenSec }`, for invariant checks in tests. */
  snapshot(): { key: string; cells: { peerId: string; connId: number; seenSec: number }[][] }[] {
    return [...this.swarms.values()].map((s) => ({
      key: s.key,
      cells: s.cells.map((c) => c.peers.map((p) => ({ peerId: p.peerId, connId: p.conn.id, seenSec: p.seenSec }))),
    }))
  }

  /** Memberships a connection holds in this core. */
  connPeerCount(connId: number): number {
    return this.conns.get(connId)?.peers.length ?? 0
  }

  /** peer_ids held by a connection, for tests. */
  connPeers(connId: number): string[] {
    return this.conns.get(connId)?.peers.map((p) => p.peerId) ?? []
  }
}

/** Up to `want` distinct random peers of `cell`, never `self` nor another peer on its connection. */
export function pickTargets(cell: Cell, self: Peer, want: number, rng: Rng): Peer[] {
  const peers = cell.peers
  const n = peers.length
  const out: Peer[] = []
  if (n <= want * 3) {
    // Small cell: shuffle the eligible ones.
    const pool = peers.filter((p) => p !== self && p.conn !== self.conn)
    for (let i = 0; i < pool.length && out.length < want; i++) {
      const j = i + Math.floor(rng() * (pool.length - i))
      const pick = pool[j] as Peer
      pool[j] = pool[i] as Peer
      pool[i] = pick
      out.push(pick)
    }
    return out
  }
  // Large cell: rejection sampling; bounded tries keep a cell full of one connection cheap.
  for (let tries = 0; tries < want * 8 && out.length < want; tries++) {
    const p = peers[Math.floor(rng() * n)] as Peer
    if (p === self || p.conn === self.conn || out.includes(p)) continue
    out.push(p)
  }
  return out
}
