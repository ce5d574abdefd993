/**
 * Encoders for both directions of the protocol.
 *
 * Tracker → client frames relay offers and answers as the exact bytes the sender wrote. Every frame
 * carries `action: "announce"` or `"scrape"`: any other action makes bittorrent-tracker's client
 * drop the socket and reconnect.
 */
import { Buffer } from 'node:buffer'
import type { AnnounceEvent } from './messages.ts'

/** A text frame: a string, or UTF-8 bytes. Both transports send either as a text message. */
export type Frame = string | Uint8Array

/** One swarm's counters in a scrape reply. */
export interface ScrapeFile {
  infoHash: string
  complete: number
  incomplete: number
}

const q = JSON.stringify

function withRaw(head: string, raw: Uint8Array): Uint8Array {
  const headLen = Buffer.byteLength(head)
  const out = Buffer.allocUnsafe(headLen + raw.byteLength + 1)
  out.write(head, 0, 'utf8')
  out.set(raw, headLen)
  out[headLen + raw.byteLength] = 0x7d
  return out
}

/** Reply to an announce: `{"action":"announce","interval","info_hash","complete","incomplete"}`. */
export function encodeAnnounceReply(infoHash: string, intervalSec: number, complete: number, incomplete: number): Frame {
  return `{"action":"announce","interval":${intervalSec},"info_hash":${q(infoHash)},"complete":${complete},"incomplete":${incomplete}}`
}

/** An offer forwarded to one peer; `offer` is the offerer's raw `offer` object. */
export function encodeForwardedOffer(infoHash: string, fromPeerId: string, offerId: string, offer: Uint8Array): Frame {
  return withRaw(`{"action":"announce","info_hash":${q(infoHash)},"peer_id":${q(fromPeerId)},"offer_id":${q(offerId)},"offer":`, offer)
}

/** An answer relayed to the offerer; `answer` is the answerer's raw `answer` object. */
export function encodeRelayedAnswer(infoHash: string, fromPeerId: string, offerId: string, answer: Uint8Array): Frame {
  return withRaw(`{"action":"announce","info_hash":${q(infoHash)},"peer_id":${q(fromPeerId)},"offer_id":${q(offerId)},"answer":`, answer)
}

/** Scrape reply in bittorrent-tracker's shape (`files` keyed by binary info_hash). */
export function encodeScrapeReply(files: readonly ScrapeFile[], minIntervalSec: number): Frame {
  const parts = files.map((f) => `${q(f.infoHash)}:{"complete":${f.complete},"incomplete":${f.incomplete},"downloaded":${f.complete}}`)
  return `{"action":"scrape","files":{${parts.join(',')}},"flags":{"min_request_interval":${minIntervalSec}}}`
}

/**
 * A refusal the client shows as a warning without reconnecting: `action` and `info_hash` are
 * present, so it is routed to the right torrent and `failure reason` is read.
 */
export function encodeFailure(infoHash: string, reason: string): Frame {
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
