/**
 * Checks an SRT Key Material request (KMREQ handshake extension, draft-sharabayko-srt §3.2.2 and
 * §6) against our passphrase before anything is started: KEK = PBKDF2-HMAC-SHA1(passphrase,
 * low 64 bits of the salt, 2048, KLen), then an RFC 3394 unwrap of the SEK must pass its
 * integrity check. Decryption itself is `decrypt.ts`. Pure (CPU only).
 */
import { createDecipheriv, pbkdf2Sync } from 'node:crypto'

/** Outcome of the check. */
export type KmCheck = 'OK' | 'BAD_PASSPHRASE' | 'MALFORMED'

const AES_KW_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex')

/** Verifies that the caller's wrapped key opens with `passphrase`. */
export function checkKeyMaterial(km: Uint8Array, passphrase: string): KmCheck {
  if (km.length < 16) return 'MALFORMED'
  const pt = (km[0] as number) & 0x0f
  const kk = (km[3] as number) & 0x03
  const slen = (km[14] as number) * 4
  const klen = (km[15] as number) * 4
  if (pt !== 2 || kk === 0 || slen !== 16 || ![16, 24, 32].includes(klen)) return 'MALFORMED'
  const wrapLen = 8 + klen * (kk === 3 ? 2 : 1)
  if (km.length < 16 + slen + wrapLen) return 'MALFORMED'
  const salt = km.subarray(16, 16 + slen)
  const wrapped = km.subarray(16 + slen, 16 + slen + wrapLen)
  const kek = pbkdf2Sync(passphrase, salt.subarray(slen - 8), 2048, klen, 'sha1')
  try {
    const d = createDecipheriv(`id-aes${klen * 8}-wrap`, kek, AES_KW_IV)
    d.update(wrapped)
    d.final()
    return 'OK'
  } catch {
    return 'BAD_PASSPHRASE'
  }
}
