/**
 * Client → tracker messages of the WebTorrent WebSocket tracker protocol, as bittorrent-tracker's
 * client (inside p2p-media-loader-core 2.3) sends them, parsed from raw frame bytes.
 *
 * `info_hash`, `peer_id`, `offer_id` and `to_peer_id` are 20-character strings of any code units
 * (binary strings); they are kept exactly as decoded. Offers and answers stay raw bytes.
 */
import { JArray, JLongString, JObject, scanJson, type JValue, type ScanErrorCode } from './json-scan.ts'

/** Length of every id in the protocol, in UTF-16 code units. */
export const ID_LENGTH = 20
/** Most offers one announce may carry; more is a protocol error, not a truncation. */
export const MAX_OFFERS_PER_MESSAGE = 32
/** Most info_hashes one scrape may ask about. */
export const MAX_SCRAPE_HASHES = 64

/** Announce events bittorrent-tracker accepts. */
export type AnnounceEvent = 'started' | 'stopped' | 'completed' | 'update' | 'paused'
const EVENTS = new Set<string>(['started', 'stopped', 'completed', 'update', 'paused'])

/** One WebRTC offer: its id and the raw JSON bytes of the `offer` object (a view into the frame). */
export interface Offer {
  offerId: string
  offer: Uint8Array
}

/** An announce: join (`event:"started"` or an unknown peer), re-announce, or leave (`stopped`). */
export interface AnnounceMessage {
  kind: 'announce'
  infoHash: string
  peerId: string
  /** Undefined for a plain re-announce (and the empty string some clients send). */
  event: AnnounceEvent | undefined
  /** Undefined when absent; the tracker then uses the number of offers. */
  numwant: number | undefined
  offers: Offer[]
}

/** An answer to a forwarded offer, to be relayed to `toPeerId`. */
export interface AnswerMessage {
  kind: 'answer'
  infoHash: string
  peerId: string
  toPeerId: string
  offerId: string
  /** Raw JSON bytes of the `answer` object (a view into the frame). */
  answer: Uint8Array
}

/** A scrape for some swarms; `infoHashes` undefined means "all", which the tracker refuses to list. */
export interface ScrapeMessage {
  kind: 'scrape'
  infoHashes: string[] | undefined
}

/** Every message a client may send. */
export type ClientMessage = AnnounceMessage | AnswerMessage | ScrapeMessage

/** Typed reasons a frame was rejected. */
export type ProtocolErrorCode =
  | ScanErrorCode
  | 'NOT_OBJECT'
  | 'BAD_ACTION'
  | 'BAD_INFO_HASH'
  | 'BAD_PEER_ID'
  | 'BAD_EVENT'
  | 'BAD_NUMWANT'
  | 'BAD_OFFERS'
  | 'TOO_MANY_OFFERS'
  | 'BAD_OFFER_ID'
  | 'BAD_OFFER'
  | 'BAD_TO_PEER_ID'
  | 'BAD_ANSWER'

/** Result of {@link parseClientMessage}; on error `infoHash` is set when it could be read. */
export type ParseResult = { ok: true; message: ClientMessage } | { ok: false; code: ProtocolErrorCode; infoHash?: string }

function isId(v: JValue | undefined): v is string {
  return typeof v === 'string' && v.length === ID_LENGTH
}

function fail(code: ProtocolErrorCode, infoHash?: string): ParseResult {
  return infoHash === undefined ? { ok: false, code } : { ok: false, code, infoHash }
}

/** Checks `{ "type": <type>, "sdp": <string> }` (extra keys allowed) and returns its raw bytes. */
function sessionDescription(v: JValue | undefined, type: 'offer' | 'answer', bytes: Uint8Array): Uint8Array | undefined {
  if (!(v instanceof JObject)) return undefined
  if (v.fields.get('type') !== type) return undefined
  const sdp = v.fields.get('sdp')
  if (typeof sdp !== 'string' && !(sdp instanceof JLongString)) return undefined
  return bytes.subarray(v.start, v.end)
}

function parseAnnounce(obj: JObject, bytes: Uint8Array): ParseResult {
  const infoHash = obj.fields.get('info_hash')
  if (!isId(infoHash)) return fail('BAD_INFO_HASH')
  const peerId = obj.fields.get('peer_id')
  if (!isId(peerId)) return fail('BAD_PEER_ID', infoHash)

  const answerValue = obj.fields.get('answer')
  if (answerValue !== undefined && answerValue !== null && answerValue !== false) {
    const toPeerId = obj.fields.get('to_peer_id')
    if (!isId(toPeerId)) return fail('BAD_TO_PEER_ID', infoHash)
    const offerId = obj.fields.get('offer_id')
    if (!isId(offerId)) return fail('BAD_OFFER_ID', infoHash)
    const answer = sessionDescription(answerValue, 'answer', bytes)
    if (answer === undefined) return fail('BAD_ANSWER', infoHash)
    return { ok: true, message: { kind: 'answer', infoHash, peerId, toPeerId, offerId, answer } }
  }

  const eventValue = obj.fields.get('event')
  let event: AnnounceEvent | undefined
  if (eventValue !== undefined && eventValue !== null && eventValue !== '' && eventValue !== 'empty') {
    if (typeof eventValue !== 'string' || !EVENTS.has(eventValue)) return fail('BAD_EVENT', infoHash)
    event = eventValue as AnnounceEvent
  }

  const numwantValue = obj.fields.get('numwant')
  let numwant: number | undefined
  if (numwantValue !== undefined && numwantValue !== null) {
    if (typeof numwantValue !== 'number' || !Number.isInteger(numwantValue) || numwantValue < 0) return fail('BAD_NUMWANT', infoHash)
    numwant = numwantValue
  }

  const offersValue = obj.fields.get('offers')
  const offers: Offer[] = []
  if (offersValue !== undefined && offersValue !== null) {
    if (!(offersValue instanceof JArray)) return fail('BAD_OFFERS', infoHash)
    if (offersValue.items.length > MAX_OFFERS_PER_MESSAGE) return fail('TOO_MANY_OFFERS', infoHash)
    for (const item of offersValue.items) {
      if (!(item instanceof JObject)) return fail('BAD_OFFERS', infoHash)
      const offerId = item.fields.get('offer_id')
      if (!isId(offerId)) return fail('BAD_OFFER_ID', infoHash)
      const offer = sessionDescription(item.fields.get('offer'), 'offer', bytes)
      if (offer === undefined) return fail('BAD_OFFER', infoHash)
      offers.push({ offerId, offer })
    }
  }
  return { ok: true, message: { kind: 'announce', infoHash, peerId, event, numwant, offers } }
}

function parseScrape(obj: JObject): ParseResult {
  const v = obj.fields.get('info_hash')
  if (v === undefined || v === null) return { ok: true, message: { kind: 'scrape', infoHashes: undefined } }
  if (isId(v)) return { ok: true, message: { kind: 'scrape', infoHashes: [v] } }
  if (!(v instanceof JArray) || v.items.length > MAX_SCRAPE_HASHES) return fail('BAD_INFO_HASH')
  const infoHashes: string[] = []
  for (const item of v.items) {
    if (!isId(item)) return fail('BAD_INFO_HASH')
    infoHashes.push(item)
  }
  return { ok: true, message: { kind: 'scrape', infoHashes } }
}

/**
 * Parses and validates one text frame. Offer and answer bytes in the result are views into
 * `bytes`: copy them before the frame's buffer is reused (uWebSockets.js reuses it after the
 * message callback returns).
 */
export function parseClientMessage(bytes: Uint8Array): ParseResult {
  const scanned = scanJson(bytes)
  if (!scanned.ok) return fail(scanned.code)
  const obj = scanned.value
  if (!(obj instanceof JObject)) return fail('NOT_OBJECT')
  const action = obj.fields.get('action')
  if (action === 'announce') return parseAnnounce(obj, bytes)
  if (action === 'scrape') return parseScrape(obj)
  const ih = obj.fields.get('info_hash')
  return fail('BAD_ACTION', isId(ih) ? ih : undefined)
}
