/**
 * Messages between the main thread (sockets, parsing, encoding) and the swarm-core shards in
 * worker threads, plus the routing function. Pure: no threads or sockets in here.
 *
 * One {@link ShardBatch} goes to a shard per I/O turn; the shard answers each with one
 * {@link ShardReply}. Offer and answer bytes never cross: the core only decides who gets what,
 * so the main thread keeps each frame's bytes and ids, sends the shard a slim
 * {@link ShardMessage}, and gets back numeric {@link OUT} records that point into the batch.
 */
import type { ScrapeFile } from '../protocol/encode.ts'
import type { AnnounceEvent } from '../protocol/messages.ts'
import type { CoreStats } from './swarm-core.ts'

/** What a shard needs of a client message: no SDP bytes, and only the number of offers. */
export type ShardMessage =
  | { kind: 'announce'; infoHash: string; peerId: string; event: AnnounceEvent | undefined; numwant: number | undefined; offers: number }
  | { kind: 'answer'; infoHash: string; peerId: string; toPeerId: string }

/** One operation for a shard, in the order the main thread saw it. */
export type ShardOp =
  | { op: 'open'; conn: number; namespace: string; locality: string }
  | { op: 'close'; conn: number }
  /** `canJoin` false: the connection is at its membership limit across all shards. */
  | { op: 'msg'; conn: number; msg: ShardMessage; canJoin: boolean }
  /** A scrape's share of info_hashes that live on this shard; `tag` joins the parts on main. */
  | { op: 'scrape'; conn: number; tag: number; infoHashes: string[] }
  | { op: 'sweep' }
  | { op: 'stats'; tag: number; top: number }

/** Main → shard. */
export interface ShardBatch {
  /** The main thread's clock for this batch, so every shard shares one clock. */
  nowMs: number
  ops: ShardOp[]
}

/**
 * Output records in {@link ShardReply.out}: {@link OUT_WIDTH} numbers each,
 * `[opIndex, code, to, a, b]`, where `opIndex` is the position of the `msg` op in its batch:
 * - `reply`: a = complete, b = incomplete;
 * - `offer`: a = index of the offer in that announce;
 * - `answer`: relay that answer;
 * - `failure`: a = index into {@link ShardReply.reasons}.
 */
export const OUT = { reply: 0, offer: 1, answer: 2, failure: 3 } as const
/** Numbers per output record. */
export const OUT_WIDTH = 5

/** Shard → main, one per batch. */
export interface ShardReply {
  /** Output records, {@link OUT_WIDTH} numbers each, in order. */
  out: number[]
  /** Failure reasons referenced by `failure` records. */
  reasons: string[]
  /** Pairs `[connId, memberships held in this shard]` for connections whose count changed. */
  counts: number[]
  /** Scrape parts: `[tag, files]`. */
  scrapes: [number, ScrapeFile[]][]
  /** Stats answers: `[tag, stats]`. */
  stats: [number, CoreStats][]
  /** Memberships expired by sweeps in this batch. */
  expired: number
  /** Cheap totals after the batch, kept on main for `/metrics` and synchronous `stats()`. */
  totals: { connections: number; peers: number; swarms: number; cells: number }
  /** Operations that threw (a bug); the shard keeps serving. */
  errors: number
}

/**
 * The shard that owns a swarm: FNV-1a over the namespace and info_hash code units, finalized,
 * mod `shards`.
 * Offers and answers of one swarm therefore always meet in the same shard.
 */
export function shardOf(namespace: string, infoHash: string, shards: number): number {
  if (shards <= 1) return 0
  let h = 0x811c9dc5
  for (let i = 0; i < namespace.length; i++) h = Math.imul(h ^ namespace.charCodeAt(i), 0x01000193)
  h = Math.imul(h ^ 0x0a, 0x01000193)
  for (let i = 0; i < infoHash.length; i++) h = Math.imul(h ^ infoHash.charCodeAt(i), 0x01000193)
  // FNV's low bits are only the parity of the input (an odd multiplier keeps bit 0), so mix the
  // high bits down (murmur3's finalizer) before taking the modulus.
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return (h >>> 0) % shards
}
