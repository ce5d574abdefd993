/**
 * SRT payload decryption at the proxy (draft-sharabayko-srt §6), so the loopback ffmpeg never needs
 * the passphrase on its command line: unwrap the SEKs from the caller's KMREQ, strip the KMREQ from
 * the conclusion sent to ffmpeg, add the KMRSP ffmpeg cannot give to its answer, and AES-CTR decrypt
 * data packets (IV = salt XOR packet index). Pure (CPU only).
 */
import { createDecipheriv, pbkdf2Sync } from 'node:crypto'
import { EXT_KMREQ } from './packet.ts'

/** The session keys of one caller. */
export interface SrtKeys {
  salt: Buffer
  even?: Buffer
  odd?: Buffer
}

/** Handshake extension block type of the listener's key material response. */
const EXT_KMRSP = 4
/** Extension flags in a v5 conclusion (HS_EXT_KMREQ). */
const HS_EXT_KMREQ = 2
const HEADER = 16
const CIF = 48
const AES_KW_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex')
/** UMSG_EXT control type and its key material subtypes. */
const UMSG_EXT = 0x7fff
const SRT_CMD_KMREQ = 3
const SRT_CMD_KMRSP = 4

/** Unwraps the SEK(s) of a KMREQ with `passphrase`; undefined when malformed, not AES-CTR, or the wrong passphrase. */
export function unwrapKeys(km: Uint8Array, passphrase: string): SrtKeys | undefined {
  if (km.length < 16 || ((km[0] as number) & 0x0f) !== 2 || km[8] !== 2) return undefined
  const kk = (km[3] as number) & 0x03
  const slen = (km[14] as number) * 4
  const klen = (km[15] as number) * 4
  if (kk === 0 || slen !== 16 || ![16, 24, 32].includes(klen)) return undefined
  const wrapLen = 8 + klen * (kk === 3 ? 2 : 1)
  if (km.length < 16 + slen + wrapLen) return undefined
  const salt = Buffer.from(km.subarray(16, 16 + slen))
  const kek = pbkdf2Sync(passphrase, salt.subarray(slen - 8), 2048, klen, 'sha1')
  let plain: Buffer
  try {
    const d = createDecipheriv(`id-aes${klen * 8}-wrap`, kek, AES_KW_IV)
    plain = Buffer.concat([d.update(km.subarray(16 + slen, 16 + slen + wrapLen)), d.final()])
  } catch {
    return undefined
  }
  // KK=3 carries the even key first, then the odd one.
  if (kk === 3) return { salt, even: plain.subarray(0, klen), odd: plain.subarray(klen) }
  return kk === 1 ? { salt, even: plain } : { salt, odd: plain }
}

/** Merges refreshed keys into the current ones (a refresh may announce only the next key). */
export function mergeKeys(cur: SrtKeys, next: SrtKeys): SrtKeys {
  return { salt: next.salt, even: next.even ?? cur.even, odd: next.odd ?? cur.odd }
}

/** A data packet with its payload decrypted and its KK flags cleared; unencrypted packets unchanged; undefined when no key. */
export function decryptData(p: Uint8Array, keys: SrtKeys): Uint8Array | undefined {
  if (p.length < HEADER || ((p[0] as number) & 0x80) !== 0) return p
  const kk = ((p[4] as number) >> 3) & 0x03
  if (kk === 0) return p
  const key = kk === 1 ? keys.even : kk === 2 ? keys.odd : undefined
  if (key === undefined) return undefined
  const iv = Buffer.alloc(16)
  p.subarray(0, 4).forEach((b, i) => (iv[10 + i] = b))
  for (let i = 0; i < 14; i++) iv[i] = (iv[i] as number) ^ (keys.salt[i] as number)
  const d = createDecipheriv(`aes-${key.length * 8}-ctr`, key, iv)
  const out = new Uint8Array(p.length)
  out.set(p.subarray(0, HEADER))
  out.set(d.update(p.subarray(HEADER)), HEADER)
  out[4] = (out[4] as number) & ~0x18
  return out
}

/** Rewrites the extension blocks of a v5 handshake: `keep` decides per block; `extra` is appended. */
function rewriteBlocks(p: Uint8Array, keep: (type: number) => boolean, extra?: { type: number; body: Uint8Array }): Uint8Array {
  const parts: Uint8Array[] = [p.subarray(0, HEADER + CIF)]
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength)
  let pos = HEADER + CIF
  while (pos + 4 <= p.length) {
    const type = v.getUint16(pos)
    const end = Math.min(p.length, pos + 4 + v.getUint16(pos + 2) * 4)
    if (keep(type)) parts.push(p.subarray(pos, end))
    pos = end
  }
  if (extra !== undefined) {
    const head = new Uint8Array(4)
    new DataView(head.buffer).setUint16(0, extra.type)
    new DataView(head.buffer).setUint16(2, Math.ceil(extra.body.length / 4))
    const body = new Uint8Array(Math.ceil(extra.body.length / 4) * 4)
    body.set(extra.body)
    parts.push(head, body)
  }
  return Uint8Array.from(Buffer.concat(parts))
}

/** The caller's conclusion as ffmpeg should see it: no KMREQ block, no KMREQ flag, no advertised key size. */
export function withoutKeyMaterial(conclusion: Uint8Array): Uint8Array {
  if (conclusion.length < HEADER + CIF) return conclusion
  const out = rewriteBlocks(conclusion, (t) => t !== EXT_KMREQ)
  const v = new DataView(out.buffer)
  v.setUint16(HEADER + 4, 0)
  v.setUint16(HEADER + 6, v.getUint16(HEADER + 6) & ~HS_EXT_KMREQ)
  return out
}

/** ffmpeg's conclusion answer as the caller must see it: with the KMRSP echoing the caller's key material. */
export function withKeyResponse(conclusion: Uint8Array, km: Uint8Array): Uint8Array {
  if (conclusion.length < HEADER + CIF) return conclusion
  const out = rewriteBlocks(conclusion, (t) => t !== EXT_KMRSP, { type: EXT_KMRSP, body: km })
  const v = new DataView(out.buffer)
  v.setUint16(HEADER + 6, v.getUint16(HEADER + 6) | HS_EXT_KMREQ)
  return out
}

/** The key material of a caller's in-session KMREQ (key refresh), or undefined for any other packet. */
export function refreshRequest(p: Uint8Array): Uint8Array | undefined {
  if (p.length <= HEADER || ((p[0] as number) & 0x80) === 0) return undefined
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength)
  return (v.getUint16(0) & 0x7fff) === UMSG_EXT && v.getUint16(2) === SRT_CMD_KMREQ ? p.subarray(HEADER) : undefined
}

/** The KMRSP control packet answering a refresh: the request with the subtype changed and addressed to the caller. */
export function refreshResponse(req: Uint8Array, destSocketId: number): Uint8Array {
  const out = Uint8Array.from(req)
  const v = new DataView(out.buffer)
  v.setUint16(2, SRT_CMD_KMRSP)
  v.setUint32(12, destSocketId >>> 0)
  return out
}
