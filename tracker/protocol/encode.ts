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

/** Where encoders get output bytes; {@link FrameArena.alloc} avoids one allocation per frame. */
export type Alloc = (bytes: number) => Buffer

/**
 * Bump allocator for frames that live only until the next flush. Only for transports that copy
 * on send (uWebSockets.js does); `reset()` after every frame from it has been sent.
 */
export class FrameArena {
  private buf: Buffer
  private off = 0
  constructor(private readonly size = 1 << 20) {
    this.buf = Buffer.allocUnsafeSlow(size)
  }

  readonly alloc: Alloc = (n) => {
    if (n > this.size >> 2) return Buffer.allocUnsafe(n)
    if (this.off + n > this.size) {
      // Frames already handed out keep the old block alive until they are sent.
      this.buf = Buffer.allocUnsafeSlow(this.size)
      this.off = 0
    }
    const out = this.buf.subarray(this.off, this.off + n)
    this.off += n
    return out
  }

  /** Reuses the block from the start. */
  reset(): void {
    this.off = 0
  }
}

// One announce fans out up to maxOffers frames that share info_hash and peer_id: the encoded
// prefix is cached for the last (kind, info_hash, peer_id) seen.
let lastKey = ''
let lastHead: Buffer = Buffer.alloc(0)
const OFFER_KEY = Buffer.from(',"offer":')
const ANSWER_KEY = Buffer.from(',"answer":')

function relayFrame(kind: 'o' | 'a', infoHash: string, fromPeerId: string, offerId: string, raw: Uint8Array, alloc: Alloc): Uint8Array {
  const key = kind + infoHash + fromPeerId
  if (key !== lastKey) {
    lastHead = Buffer.from(`{"action":"announce","info_hash":${q(infoHash)},"peer_id":${q(fromPeerId)},"offer_id":`)
    lastKey = key
  }
  const head = lastHead
  const id = q(offerId)
  // Ids are short: counting and writing their UTF-8 in JS beats two native Buffer calls.
  let idLen = 0
  let simple = true
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i)
    if (c < 0x80) idLen++
    else if (c < 0x800) idLen += 2
    else {
      simple = false
      break
    }
  }
  if (!simple) idLen = Buffer.byteLength(id)
  const tail = kind === 'o' ? OFFER_KEY : ANSWER_KEY
  const out = alloc(head.length + idLen + tail.length + raw.byteLength + 1)
  out.set(head, 0)
  let pos = head.length
  if (simple) {
    for (let i = 0; i < id.length; i++) {
      const c = id.charCodeAt(i)
      if (c < 0x80) out[pos++] = c
      else {
        out[pos++] = 0xc0 | (c >> 6)
        out[pos++] = 0x80 | (c & 0x3f)
      }
    }
  } else pos += out.write(id, pos, 'utf8')
  out.set(tail, pos)
  pos += tail.length
  out.set(raw, pos)
  out[pos + raw.byteLength] = 0x7d
  return out
}

/** Reply to an announce: `{"action":"announce","interval","info_hash","complete","incomplete"}`. */
export function encodeAnnounceReply(infoHash: string, intervalSec: number, complete: number, incomplete: number): Frame {
  return `{"action":"announce","interval":${intervalSec},"info_hash":${q(infoHash)},"complete":${complete},"incomplete":${incomplete}}`
}

/** An offer forwarded to one peer; `offer` is the offerer's raw `offer` object. */
export function encodeForwardedOffer(infoHash: string, fromPeerId: string, offerId: string, offer: Uint8Array, alloc: Alloc = Buffer.allocUnsafe): Frame {
  return relayFrame('o', infoHash, fromPeerId, offerId, offer, alloc)
}

/** An answer relayed to the offerer; `answer` is the answerer's raw `answer` object. */
export function encodeRelayedAnswer(infoHash: string, fromPeerId: string, offerId: string, answer: Uint8Array, alloc: Alloc = Buffer.allocUnsafe): Frame {
  return relayFrame('a', infoHash, fromPeerId, offerId, answer, alloc)
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
