/**
 * Encoders for both directions of the protocol.
 *
 * Tracker → client frames relay offers and answers as the exact bytes the sender wrote. Every frame
 * carries `action: "announce"` or `"scrape"`: any other action makes bittorrent-tracker's client
 * drop the socket and reconnect.
 */
import { Buffer } from 'node:buffer'
import type { AnnounceEvent, RawId } from './messages.ts'

/** A text frame: a string, or UTF-8 bytes. Both transports send either as a text message. */
export type Frame = string | Uint8Array

/** One swarm's counters in a scrape reply. */
export interface ScrapeFile {
  infoHash: string
  complete: number
  incomplete: number
}

const q = JSON.stringify

/** Where encoders get output bytes. */
export type Alloc = (bytes: number) => Uint8Array

// One announce fans out up to maxOffers frames that share info_hash and peer_id: the encoded
// prefix is cached for the last (kind, info_hash, peer_id) seen.
let lastKind = ''
let lastInfoHash = ''
let lastPeerId = ''
let lastHead: Buffer = Buffer.alloc(0)
const OFFER_KEY = Buffer.from(',"offer":')
const ANSWER_KEY = Buffer.from(',"answer":')

/** Relay kinds: a forwarded offer or a relayed answer. */
export type RelayKind = 'offer' | 'answer'

function relayHead(kind: RelayKind, infoHash: string, fromPeerId: string): Buffer {
  if (kind !== lastKind || infoHash !== lastInfoHash || fromPeerId !== lastPeerId) {
    lastHead = Buffer.from(`{"action":"announce","info_hash":${q(infoHash)},"peer_id":${q(fromPeerId)},"offer_id":`)
    lastKind = kind
    lastInfoHash = infoHash
    lastPeerId = fromPeerId
  }
  return lastHead
}

/** Exact size of the frame {@link writeRelayFrame} writes. */
export function relayFrameBytes(kind: RelayKind, infoHash: string, fromPeerId: string, offerId: RawId, raw: Uint8Array): number {
  const tail = kind === 'offer' ? OFFER_KEY : ANSWER_KEY
  return relayHead(kind, infoHash, fromPeerId).length + offerId.byteLength + tail.length + raw.byteLength + 1
}

/**
 * Writes a forwarded offer or relayed answer at `out[pos]` and returns the end. The offer_id and
 * the offer/answer object are the sender's raw JSON bytes, so they arrive exactly as sent.
 */
export function writeRelayFrame(out: Uint8Array, pos: number, kind: RelayKind, infoHash: string, fromPeerId: string, offerId: RawId, raw: Uint8Array): number {
  const head = relayHead(kind, infoHash, fromPeerId)
  out.set(head, pos)
  pos += head.length
  out.set(offerId, pos)
  pos += offerId.byteLength
  const tail = kind === 'offer' ? OFFER_KEY : ANSWER_KEY
  out.set(tail, pos)
  pos += tail.length
  out.set(raw, pos)
  pos += raw.byteLength
  out[pos] = 0x7d
  return pos + 1
}

function relayFrame(kind: RelayKind, infoHash: string, fromPeerId: string, offerId: RawId, raw: Uint8Array, alloc: Alloc): Uint8Array {
  const out = alloc(relayFrameBytes(kind, infoHash, fromPeerId, offerId, raw))
  writeRelayFrame(out, 0, kind, infoHash, fromPeerId, offerId, raw)
  return out
}

/** Reply to an announce: `{"action":"announce","interval","info_hash","complete","incomplete"}`. */
export function encodeAnnounceReply(infoHash: string, intervalSec: number, complete: number, incomplete: number): string {
  return `{"action":"announce","interval":${intervalSec},"info_hash":${q(infoHash)},"complete":${complete},"incomplete":${incomplete}}`
}

/** An offer forwarded to one peer; `offerId` and `offer` are the offerer's raw JSON tokens. */
export function encodeForwardedOffer(infoHash: string, fromPeerId: string, offerId: RawId, offer: Uint8Array, alloc: Alloc = (n) => Buffer.allocUnsafe(n)): Frame {
  return relayFrame('offer', infoHash, fromPeerId, offerId, offer, alloc)
}

/** An answer relayed to the offerer; `offerId` and `answer` are the answerer's raw JSON tokens. */
export function encodeRelayedAnswer(infoHash: string, fromPeerId: string, offerId: RawId, answer: Uint8Array, alloc: Alloc = (n) => Buffer.allocUnsafe(n)): Frame {
  return relayFrame('answer', infoHash, fromPeerId, offerId, answer, alloc)
}

/** Scrape reply in bittorrent-tracker's shape (`files` keyed by binary info_hash). */
export function encodeScrapeReply(files: readonly ScrapeFile[], minIntervalSec: number): string {
  const parts = files.map((f) => `${q(f.infoHash)}:{"complete":${f.complete},"incomplete":${f.incomplete},"downloaded":${f.complete}}`)
  return `{"action":"scrape","files":{${parts.join(',')}},"flags":{"min_request_interval":${minIntervalSec}}}`
}

/**
 * A refusal the client shows as a warning without reconnecting: `action` and `info_hash` are
 * present, so it is routed to the right torrent and `failure reason` is read.
 */
export function encodeFailure(infoHash: string, reason: string): string {
  return `{"action":"announce","info_hash":${q(infoHash)},"failure reason":${q(reason)}}`
}

/** A WebRTC session description as simple-peer emits it. */
export interface SessionDescription {
  type: 'offer' | 'answer'
  sdp: string
}

/** Fields of a client announce (used by the load generator and tests). */
export interface ClientAnnounce {
  infoHash: string
  peerId: string
  event?: AnnounceEvent
  numwant?: number
  offers?: { offerId: string; offer: SessionDescription }[]
}

/** Encodes an announce exactly as bittorrent-tracker's client does. */
export function encodeClientAnnounce(a: ClientAnnounce): string {
  const msg: Record<string, unknown> = {
    action: 'announce',
    info_hash: a.infoHash,
    peer_id: a.peerId,
    numwant: a.numwant ?? a.offers?.length ?? 0,
    uploaded: 0,
    downloaded: 0,
  }
  if (a.event !== undefined) msg.event = a.event
  if (a.offers !== undefined) msg.offers = a.offers.map((o) => ({ offer: o.offer, offer_id: o.offerId }))
  return JSON.stringify(msg)
}

/** Encodes an answer exactly as bittorrent-tracker's client does. */
export function encodeClientAnswer(infoHash: string, peerId: string, toPeerId: string, offerId: string, answer: SessionDescription): string {
  return JSON.stringify({ action: 'announce', info_hash: infoHash, peer_id: peerId, to_peer_id: toPeerId, answer, offer_id: offerId })
}

/** Encodes a scrape request. */
export function encodeClientScrape(infoHashes: string[]): string {
  return JSON.stringify({ action: 'scrape', info_hash: infoHashes })
}

/** The raw JSON string token of an id, as a client would write it (for tests and the load generator). */
export function rawId(id: string): RawId {
  return Buffer.from(JSON.stringify(id))
}
