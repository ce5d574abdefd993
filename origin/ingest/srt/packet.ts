/**
 * SRT handshake packets (draft-sharabayko-srt §3.2.1): parse the caller's induction and
 * conclusion, build the listener's induction response and rejections, rewrite the SYN cookie.
 * Pure; offsets are from the start of the UDP payload.
 */

/** Handshake types (the 32-bit field); values ≥ 1000 are rejections (1000 + reason). */
export const HS_INDUCTION = 1
export const HS_CONCLUSION = 0xffffffff
/** Offset of the rejection reason in the handshake type field. */
export const HS_REJECT_BASE = 1000
/** Predefined rejection reasons (SRT_REJX_*): 1000 + HTTP-like code. */
export const REJ_UNAUTHORIZED = 1401
export const REJ_FORBIDDEN = 1403
export const REJ_NOT_FOUND = 1404
export const REJ_CONFLICT = 1409
export const REJ_TOO_MANY = 1429
/** SRT_REJX_UNAVAILABLE: the service cannot decide now (key store down). */
export const REJ_UNAVAILABLE = 1503
/** Extension field value a v5 listener puts in its induction response. */
export const SRT_MAGIC = 0x4a17
/** Extension block type carrying the stream id. */
export const EXT_SID = 5
/** Extension block type carrying the caller's key material request. */
export const EXT_KMREQ = 3

const HEADER = 16
const CIF = 48
const COOKIE_AT = HEADER + 28

/** The fields of a handshake packet the proxy needs. */
export interface Handshake {
  timestamp: number
  destSocketId: number
  version: number
  encryption: number
  extension: number
  initialSeq: number
  mtu: number
  flowWindow: number
  type: number
  socketId: number
  cookie: number
  /** The stream id from the SID extension (conclusion only). */
  streamId?: string
  /** The KMREQ extension's content (conclusion of an encrypting caller). */
  keyMaterial?: Uint8Array
}

/** Why a datagram is not a usable handshake. */
export type SrtPacketError = 'NOT_CONTROL' | 'NOT_HANDSHAKE' | 'TRUNCATED' | 'BAD_EXTENSION' | 'BAD_STREAM_ID'

/** True when the datagram is an SRT control packet (F bit set). */
export function isControl(p: Uint8Array): boolean {
  return p.length >= HEADER && ((p[0] as number) & 0x80) !== 0
}

/** True when the datagram is a handshake control packet. */
export function isHandshake(p: Uint8Array): boolean {
  return isControl(p) && (((p[0] as number) & 0x7f) << 8 | (p[1] as number)) === 0
}

function dv(p: Uint8Array): DataView {
  return new DataView(p.buffer, p.byteOffset, p.byteLength)
}

/** Decodes a stream id from SID extension words (each 4-byte word is stored byte-reversed). */
export function decodeStreamId(words: Uint8Array): string | undefined {
  const bytes: number[] = []
  for (let i = 0; i + 4 <= words.length; i += 4) bytes.push(words[i + 3] as number, words[i + 2] as number, words[i + 1] as number, words[i] as number)
  while (bytes.length > 0 && bytes[bytes.length - 1] === 0) bytes.pop()
  const s = Buffer.from(bytes).toString('utf8')
  return s.length <= 512 && !s.includes('\u0000') ? s : undefined
}

/** Encodes a stream id as SID extension words. */
export function encodeStreamId(s: string): Uint8Array {
  const raw = Buffer.from(s, 'utf8')
  const out = new Uint8Array(Math.ceil(raw.length / 4) * 4)
  for (let i = 0; i < out.length; i += 4) {
    out[i] = raw[i + 3] ?? 0
    out[i + 1] = raw[i + 2] ?? 0
    out[i + 2] = raw[i + 1] ?? 0
    out[i + 3] = raw[i] ?? 0
  }
  return out
}

/** Parses a handshake datagram. */
export function parseHandshake(p: Uint8Array): { ok: true; hs: Handshake } | { ok: false; error: SrtPacketError } {
  if (!isControl(p)) return { ok: false, error: 'NOT_CONTROL' }
  if (!isHandshake(p)) return { ok: false, error: 'NOT_HANDSHAKE' }
  if (p.length < HEADER + CIF) return { ok: false, error: 'TRUNCATED' }
  const v = dv(p)
  const hs: Handshake = {
    timestamp: v.getUint32(8),
    destSocketId: v.getUint32(12),
    version: v.getUint32(HEADER),
    encryption: v.getUint16(HEADER + 4),
    extension: v.getUint16(HEADER + 6),
    initialSeq: v.getUint32(HEADER + 8),
    mtu: v.getUint32(HEADER + 12),
    flowWindow: v.getUint32(HEADER + 16),
    type: v.getUint32(HEADER + 20),
    socketId: v.getUint32(HEADER + 24),
    cookie: v.getUint32(COOKIE_AT),
  }
  let pos = HEADER + CIF
  let blocks = 0
  while (pos < p.length) {
    if (pos + 4 > p.length || ++blocks > 16) return { ok: false, error: 'BAD_EXTENSION' }
    const type = v.getUint16(pos)
    const len = v.getUint16(pos + 2) * 4
    pos += 4
    if (pos + len > p.length) return { ok: false, error: 'BAD_EXTENSION' }
    if (type === EXT_SID) {
      const sid = decodeStreamId(p.subarray(pos, pos + len))
      if (sid === undefined) return { ok: false, error: 'BAD_STREAM_ID' }
      hs.streamId = sid
    } else if (type === EXT_KMREQ) {
      hs.keyMaterial = p.subarray(pos, pos + len)
    }
    pos += len
  }
  return { ok: true, hs }
}

/** IPv4 as the handshake's peer-address field carries it (first word, byte-reversed). */
export function peerIpField(ipv4: string): Uint8Array {
  const out = new Uint8Array(16)
  const parts = ipv4.split('.').map(Number)
  if (parts.length === 4 && parts.every((n) => Number.isInteger(n) && n >= 0 && n < 256)) out.set(parts.reverse(), 0)
  return out
}

function handshakePacket(fields: Omit<Handshake, 'streamId' | 'keyMaterial'>, peerIp: Uint8Array): Uint8Array {
  const p = new Uint8Array(HEADER + CIF)
  const v = dv(p)
  v.setUint32(0, 0x80000000)
  v.setUint32(8, fields.timestamp)
  v.setUint32(12, fields.destSocketId)
  v.setUint32(HEADER, fields.version)
  v.setUint16(HEADER + 4, fields.encryption)
  v.setUint16(HEADER + 6, fields.extension)
  v.setUint32(HEADER + 8, fields.initialSeq)
  v.setUint32(HEADER + 12, fields.mtu)
  v.setUint32(HEADER + 16, fields.flowWindow)
  v.setUint32(HEADER + 20, fields.type >>> 0)
  v.setUint32(HEADER + 24, fields.socketId)
  v.setUint32(COOKIE_AT, fields.cookie >>> 0)
  p.set(peerIp.subarray(0, 16), HEADER + 32)
  return p
}

/** The listener's answer to a caller's induction: v5, SRT magic, our socket id and cookie. */
export function inductionResponse(req: Handshake, o: { socketId: number; cookie: number; timestamp: number; peerIp: Uint8Array }): Uint8Array {
  return handshakePacket(
    { ...req, timestamp: o.timestamp, destSocketId: req.socketId, version: 5, encryption: 0, extension: SRT_MAGIC, type: HS_INDUCTION, socketId: o.socketId, cookie: o.cookie },
    o.peerIp,
  )
}

/** A handshake rejection (type = 1000 + reason) answering a caller's conclusion. */
export function rejection(req: Handshake, o: { socketId: number; reason: number; timestamp: number; peerIp: Uint8Array }): Uint8Array {
  return handshakePacket(
    { ...req, timestamp: o.timestamp, destSocketId: req.socketId, version: 5, encryption: 0, extension: 0, type: HS_REJECT_BASE + o.reason, socketId: o.socketId, cookie: 0 },
    o.peerIp,
  )
}

/** A copy of a handshake datagram with its SYN cookie replaced. */
export function withCookie(p: Uint8Array, cookie: number): Uint8Array {
  const out = Uint8Array.from(p)
  dv(out).setUint32(COOKIE_AT, cookie >>> 0)
  return out
}

/** Extracts the key from `publish:<key>` (also `#!::r=<key>,m=publish`); undefined otherwise. */
export function publishKey(streamId: string | undefined): string | undefined {
  if (streamId === undefined) return undefined
  const simple = /^publish:([^\s/?#]{1,200})$/.exec(streamId)
  if (simple !== null) return simple[1]
  if (streamId.startsWith('#!::')) {
    const kv = new Map(streamId.slice(4).split(',').map((x) => x.split('=', 2) as [string, string]))
    const r = kv.get('r')
    if (kv.get('m') === 'publish' && r !== undefined && /^[^\s]{1,200}$/.test(r)) return r
  }
  return undefined
}
