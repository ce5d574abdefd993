/**
 * Client → tracker messages of the WebTorrent WebSocket tracker protocol, as bittorrent-tracker's
 * client (inside p2p-media-loader-core 2.3) sends them, parsed from raw frame bytes.
 *
 * `info_hash`, `peer_id` and `to_peer_id` are 20-character strings of any code units (binary
 * strings), decoded because the core keys swarms and peers by them. `offer_id` is only ever
 * relayed, so it stays the raw bytes of its JSON string token, as do offers and answers.
 */
import { isUtf8 } from 'node:buffer'
import { ascii, asBuffer, CursorError, JsonCursor, KIND, type CursorErrorCode } from './json-cursor.ts'

/** Length of every id in the protocol, in UTF-16 code units. */
export const ID_LENGTH = 20
/** Most offers one announce may carry; more is a protocol error, not a truncation. */
export const MAX_OFFERS_PER_MESSAGE = 32
/** Most info_hashes one scrape may ask about. */
export const MAX_SCRAPE_HASHES = 64

/** Announce events bittorrent-tracker accepts. */
export type AnnounceEvent = 'started' | 'stopped' | 'completed' | 'update' | 'paused'
const EVENTS = new Set<string>(['started', 'stopped', 'completed', 'update', 'paused'])

/**
 * The raw bytes of one JSON string token, quotes and escapes included, exactly as the client
 * wrote it (a view into the frame). Relaying these bytes relays the id exactly.
 */
export type RawId = Uint8Array

/** One WebRTC offer: its id and the raw JSON bytes of the `offer` object (a view into the frame). */
export interface Offer {
  offerId: RawId
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
  offerId: RawId
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
  | CursorErrorCode
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

function fail(code: ProtocolErrorCode, infoHash?: string): ParseResult {
  return infoHash === undefined ? { ok: false, code } : { ok: false, code, infoHash }
}

// Keys the parser acts on; every other member is skipped (and validated).
const K = {
  action: 1,
  info_hash: 2,
  peer_id: 3,
  numwant: 4,
  event: 5,
  offers: 6,
  to_peer_id: 7,
  offer_id: 8,
  answer: 9,
  offer: 10,
  type: 11,
  sdp: 12,
} as const
const KEYS: [Uint8Array, number][] = Object.entries(K).map(([k, v]) => [ascii(k), v])
const KEY_BY_NAME = new Map<string, number>(Object.entries(K))
const ANNOUNCE = ascii('announce')
const SCRAPE = ascii('scrape')
const OFFER = ascii('offer')
const ANSWER = ascii('answer')

/** Known keys by byte length, so a key is compared with at most two candidates. */
const KEYS_BY_LENGTH: [Uint8Array, number][][] = []
for (const [bytes, id] of KEYS) (KEYS_BY_LENGTH[bytes.length] ??= []).push([bytes, id])

/** Which known key the last token is, or 0. */
function keyId(c: JsonCursor): number {
  if (!c.tokPlain) return c.tokUnits < 0 ? 0 : (KEY_BY_NAME.get(c.decodeToken()) ?? 0)
  const list = KEYS_BY_LENGTH[c.tokEnd - c.tokStart - 2]
  if (list === undefined) return 0
  for (const [bytes, id] of list) if (c.tokenIs(bytes)) return id
  return 0
}

/** Sentinels for a field's state while scanning. */
const ABSENT = 0
const NULLISH = 1
const BAD = 2
const OK = 3

/** A string field's state and token span. */
class Tok {
  state = ABSENT
  start = 0
  end = 0
  plain = false
  units = 0

  read(c: JsonCursor): void {
    const k = c.kind()
    if (k === KIND.string) {
      c.string()
      this.state = OK
      this.start = c.tokStart
      this.end = c.tokEnd
      this.plain = c.tokPlain
      this.units = c.tokUnits
    } else {
      this.state = k === KIND.null ? NULLISH : BAD
      c.skipValue(1)
    }
  }

  isId(): boolean {
    return this.state === OK && this.units === ID_LENGTH
  }

  decode(c: JsonCursor): string {
    return c.decodeAt(this.start, this.end, this.plain)
  }
}

/** Reads any value into `span`; true when it is `{ "type": <want>, "sdp": <string>, ... }`. */
function sessionDescription(c: JsonCursor, want: Uint8Array, depth: number, span: [number, number]): boolean {
  if (c.kind() !== KIND.object) {
    c.skipValue(depth)
    return false
  }
  const start = c.pos++
  let typeOk = false
  let sdpOk = false
  for (let n = 0; c.member(n); n++) {
    const k = keyId(c)
    if (k === K.type) {
      if (c.kind() === KIND.string) {
        c.string()
        typeOk = c.tokenIs(want)
      } else {
        typeOk = false
        c.skipValue(depth + 1)
      }
    } else if (k === K.sdp) {
      sdpOk = c.kind() === KIND.string
      c.skipValue(depth + 1)
    } else c.skipValue(depth + 1)
  }
  span[0] = start
  span[1] = c.pos
  return typeOk && sdpOk
}

/** Everything an announce, answer or scrape may carry, as read from one frame. */
class Fields {
  action = new Tok()
  infoHash = new Tok()
  peerId = new Tok()
  toPeerId = new Tok()
  offerId = new Tok()
  event = new Tok()
  numwantState = ABSENT
  numwant = 0
  /** answer: ABSENT, NULLISH (null/false), BAD (present, not a valid answer) or OK. */
  answerState = ABSENT
  answer: [number, number] = [0, 0]
  /** offers: ABSENT, NULLISH, BAD (not an array of objects), or OK. */
  offersState = ABSENT
  offersError: ProtocolErrorCode | undefined
  offers: Offer[] = []
  /** Scrape info_hash list: undefined unless the member was an array. */
  hashList: Tok[] | undefined
}

function readOffers(c: JsonCursor, f: Fields, bytes: Uint8Array): void {
  f.offers = []
  f.offersError = undefined
  if (c.kind() !== KIND.array) {
    f.offersState = c.kind() === KIND.null ? NULLISH : BAD
    c.skipValue(1)
    return
  }
  f.offersState = OK
  c.pos++
  const id = new Tok()
  const span: [number, number] = [0, 0]
  for (let i = 0; c.item(i); i++) {
    if (c.kind() !== KIND.object) {
      f.offersError ??= 'BAD_OFFERS'
      c.skipValue(2)
      f.offers.push({ offerId: bytes, offer: bytes })
      continue
    }
    c.pos++
    id.state = ABSENT
    let offerOk = false
    for (let n = 0; c.member(n); n++) {
      const k = keyId(c)
      if (k === K.offer_id) id.read(c)
      else if (k === K.offer) offerOk = sessionDescription(c, OFFER, 3, span)
      else c.skipValue(3)
    }
    if (!id.isId()) f.offersError ??= 'BAD_OFFER_ID'
    else if (!offerOk) f.offersError ??= 'BAD_OFFER'
    f.offers.push({ offerId: bytes.subarray(id.start, id.end), offer: bytes.subarray(span[0], span[1]) })
  }
}

function readHashList(c: JsonCursor, f: Fields): void {
  if (c.kind() !== KIND.array) {
    f.hashList = undefined
    f.infoHash.read(c)
    return
  }
  f.infoHash.state = BAD
  const list: Tok[] = []
  c.pos++
  for (let i = 0; c.item(i); i++) {
    const t = new Tok()
    t.read(c)
    list.push(t)
  }
  f.hashList = list
}

function scan(c: JsonCursor, bytes: Uint8Array): Fields | undefined {
  if (c.kind() !== KIND.object) {
    c.skipValue(0)
    c.end()
    return undefined
  }
  const f = new Fields()
  c.pos++
  for (let n = 0; c.member(n); n++) {
    switch (keyId(c)) {
      case K.action:
        f.action.read(c)
        break
      case K.info_hash:
        readHashList(c, f)
        break
      case K.peer_id:
        f.peerId.read(c)
        break
      case K.to_peer_id:
        f.toPeerId.read(c)
        break
      case K.offer_id:
        f.offerId.read(c)
        break
      case K.event:
        f.event.read(c)
        break
      case K.numwant: {
        const k = c.kind()
        if (k === KIND.number) {
          f.numwant = c.number()
          f.numwantState = OK
        } else {
          f.numwantState = k === KIND.null ? NULLISH : BAD
          c.skipValue(1)
        }
        break
      }
      case K.answer: {
        const k = c.kind()
        if (k === KIND.null || k === KIND.false) {
          f.answerState = NULLISH
          c.skipValue(1)
        } else f.answerState = sessionDescription(c, ANSWER, 1, f.answer) ? OK : BAD
        break
      }
      case K.offers:
        readOffers(c, f, bytes)
        break
      default:
        c.skipValue(1)
    }
  }
  c.end()
  return f
}

function readEvent(c: JsonCursor, t: Tok): AnnounceEvent | undefined | false {
  if (t.state === ABSENT || t.state === NULLISH) return undefined
  if (t.state === BAD || t.units < 0) return false
  const s = t.decode(c)
  if (s === '' || s === 'empty') return undefined
  return EVENTS.has(s) ? (s as AnnounceEvent) : false
}

function toAnnounce(c: JsonCursor, f: Fields, bytes: Uint8Array): ParseResult {
  if (!f.infoHash.isId()) return fail('BAD_INFO_HASH')
  const infoHash = f.infoHash.decode(c)
  if (!f.peerId.isId()) return fail('BAD_PEER_ID', infoHash)
  const peerId = f.peerId.decode(c)

  if (f.answerState === OK || f.answerState === BAD) {
    if (!f.toPeerId.isId()) return fail('BAD_TO_PEER_ID', infoHash)
    if (!f.offerId.isId()) return fail('BAD_OFFER_ID', infoHash)
    if (f.answerState === BAD) return fail('BAD_ANSWER', infoHash)
    const toPeerId = f.toPeerId.decode(c)
    const offerId = bytes.subarray(f.offerId.start, f.offerId.end)
    return { ok: true, message: { kind: 'answer', infoHash, peerId, toPeerId, offerId, answer: bytes.subarray(f.answer[0], f.answer[1]) } }
  }

  const event = readEvent(c, f.event)
  if (event === false) return fail('BAD_EVENT', infoHash)
  let numwant: number | undefined
  if (f.numwantState === BAD || (f.numwantState === OK && (!Number.isInteger(f.numwant) || f.numwant < 0))) return fail('BAD_NUMWANT', infoHash)
  if (f.numwantState === OK) numwant = f.numwant

  if (f.offersState === BAD) return fail('BAD_OFFERS', infoHash)
  if (f.offers.length > MAX_OFFERS_PER_MESSAGE) return fail('TOO_MANY_OFFERS', infoHash)
  if (f.offersError !== undefined) return fail(f.offersError, infoHash)
  return { ok: true, message: { kind: 'announce', infoHash, peerId, event, numwant, offers: f.offers } }
}

function toScrape(c: JsonCursor, f: Fields): ParseResult {
  if (f.hashList === undefined) {
    if (f.infoHash.state === ABSENT || f.infoHash.state === NULLISH) return { ok: true, message: { kind: 'scrape', infoHashes: undefined } }
    if (!f.infoHash.isId()) return fail('BAD_INFO_HASH')
    return { ok: true, message: { kind: 'scrape', infoHashes: [f.infoHash.decode(c)] } }
  }
  if (f.hashList.length > MAX_SCRAPE_HASHES) return fail('BAD_INFO_HASH')
  const infoHashes: string[] = []
  for (const t of f.hashList) {
    if (!t.isId()) return fail('BAD_INFO_HASH')
    infoHashes.push(t.decode(c))
  }
  return { ok: true, message: { kind: 'scrape', infoHashes } }
}

/**
 * Parses and validates one text frame. Offer, answer and offer_id bytes in the result are views
 * into `bytes`: copy them before the frame's buffer is reused (uWebSockets.js reuses it after the
 * message callback returns). `utf8Checked` skips the UTF-8 check for transports that already
 * validated the text frame (both of ours do, as RFC 6455 requires).
 */
export function parseClientMessage(bytes: Uint8Array, utf8Checked = false): ParseResult {
  const buf = asBuffer(bytes)
  if (!utf8Checked && !isUtf8(buf)) return fail('NOT_UTF8')
  const c = new JsonCursor(buf)
  let f: Fields | undefined
  try {
    f = scan(c, bytes)
  } catch (err) {
    if (err instanceof CursorError) return fail(err.code)
    throw err
  }
  if (f === undefined) return fail('NOT_OBJECT')
  if (f.action.state === OK && f.action.units >= 0) {
    const a = f.action
    if (a.plain ? c.tokenIsAt(a.start, a.end, ANNOUNCE) : a.decode(c) === 'announce') return toAnnounce(c, f, bytes)
    if (a.plain ? c.tokenIsAt(a.start, a.end, SCRAPE) : a.decode(c) === 'scrape') return toScrape(c, f)
  }
  return fail('BAD_ACTION', f.infoHash.isId() ? f.infoHash.decode(c) : undefined)
}
