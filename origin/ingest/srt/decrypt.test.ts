import { createCipheriv, pbkdf2Sync, randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decryptData, refreshRequest, refreshResponse, unwrapKeys, withKeyResponse, withoutKeyMaterial } from './decrypt.ts'
import { EXT_KMREQ, parseHandshake } from './packet.ts'

/** A KMREQ as a libsrt caller builds it (AES-CTR, real RFC 3394 key wrap). */
function kmreq(passphrase: string, keys: Buffer, kk: number, salt = randomBytes(16)): Uint8Array {
  const klen = kk === 3 ? keys.length / 2 : keys.length
  const kek = pbkdf2Sync(passphrase, salt.subarray(8), 2048, klen, 'sha1')
  const c = createCipheriv(`id-aes${klen * 8}-wrap`, kek, Buffer.from('a6a6a6a6a6a6a6a6', 'hex'))
  const head = Buffer.from([0x12, 0x20, 0x29, kk, 0, 0, 0, 0, 2, 0, 2, 0, 0, 0, 4, klen / 4])
  return Buffer.concat([head, salt, c.update(keys), c.final()])
}

/** A data packet encrypted the way haicrypt does it: IV = salt[0..13] XOR (packet index at bytes 10..13). */
function encrypted(seq: number, payload: Uint8Array, key: Buffer, salt: Buffer, kk: number): Uint8Array {
  const head = Buffer.alloc(16)
  head.writeUInt32BE(seq & 0x7fffffff, 0)
  head.writeUInt32BE((0xc0000001 | (kk << 27)) >>> 0, 4)
  const iv = Buffer.alloc(16)
  iv.writeUInt32BE(seq & 0x7fffffff, 10)
  for (let i = 0; i < 14; i++) iv[i] = (iv[i] as number) ^ (salt[i] as number)
  const c = createCipheriv(`aes-${key.length * 8}-ctr`, key, iv)
  return Buffer.concat([head, c.update(payload), c.final()])
}

function conclusion(blocks: [number, Uint8Array][]): Uint8Array {
  const parts = [Buffer.alloc(64)]
  parts[0]?.writeUInt32BE(0x80000000, 0)
  parts[0]?.writeUInt16BE(4, 20)
  parts[0]?.writeUInt16BE(1 | 2 | 4, 22)
  parts[0]?.writeUInt32BE(0xffffffff, 36)
  for (const [type, body] of blocks) {
    const h = Buffer.alloc(4)
    h.writeUInt16BE(type, 0)
    h.writeUInt16BE(body.length / 4, 2)
    parts.push(h, Buffer.from(body))
  }
  return Buffer.concat(parts)
}

describe('SRT decryption at the proxy', () => {
  it('unwraps one or both keys, refuses the wrong passphrase', () => {
    const keys = randomBytes(32)
    expect(unwrapKeys(kmreq('right-passphrase', keys, 3), 'right-passphrase')).toMatchObject({ even: keys.subarray(0, 16), odd: keys.subarray(16) })
    expect(unwrapKeys(kmreq('right-passphrase', keys, 2), 'right-passphrase')?.odd).toEqual(keys)
    expect(unwrapKeys(kmreq('right-passphrase', keys, 1), 'wrong-passphrase')).toBeUndefined()
    expect(unwrapKeys(new Uint8Array(20), 'right-passphrase')).toBeUndefined()
  })

  it('decrypts any payload with the even or odd key and clears the KK flags', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1316 }), fc.nat({ max: 0x7fffffff }), fc.constantFrom(16, 24, 32), fc.constantFrom(1, 2), (payload, seq, klen, kk) => {
        const key = randomBytes(klen)
        const salt = randomBytes(16)
        const keys = kk === 1 ? { salt, even: key } : { salt, odd: key }
        const out = decryptData(encrypted(seq, payload, key, salt, kk), keys)
        expect(Buffer.from(out?.subarray(16) ?? []).equals(Buffer.from(payload))).toBe(true)
        expect(((out?.[4] ?? 0xff) >> 3) & 3).toBe(0)
      }),
      { numRuns: 50 },
    )
    const plain = Buffer.concat([Buffer.alloc(16), Buffer.from('ts')])
    expect(decryptData(plain, { salt: randomBytes(16) })).toBe(plain)
    expect(decryptData(encrypted(1, Buffer.from('x'), randomBytes(16), randomBytes(16), 2), { salt: randomBytes(16), even: randomBytes(16) })).toBeUndefined()
  })

  it('strips the KMREQ for ffmpeg and gives the caller a KMRSP echoing it', () => {
    const km = kmreq('right-passphrase', randomBytes(16), 1)
    const sid = Uint8Array.from([0x6c, 0x62, 0x75, 0x70])
    const toFfmpeg = withoutKeyMaterial(conclusion([[1, new Uint8Array(12)], [EXT_KMREQ, km], [5, sid]]))
    const p = parseHandshake(toFfmpeg)
    expect(p.ok && p.hs.keyMaterial).toBe(undefined)
    expect(p.ok && p.hs.streamId).toBe('publ')
    expect(p.ok && p.hs.extension & 2).toBe(0)
    expect(p.ok && p.hs.encryption).toBe(0)
    const answer = withKeyResponse(conclusion([[2, new Uint8Array(12)]]), km)
    expect(Buffer.from(answer.subarray(64 + 16 + 4)).equals(Buffer.from(km))).toBe(true)
    expect(new DataView(answer.buffer).getUint16(64 + 16)).toBe(4)
  })

  it('recognises an in-session key refresh and answers it to the caller', () => {
    const km = kmreq('right-passphrase', randomBytes(16), 2)
    const req = Buffer.concat([Buffer.from([0xff, 0xff, 0, 3, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 1]), km])
    expect(Buffer.from(refreshRequest(req) ?? []).equals(Buffer.from(km))).toBe(true)
    expect(refreshRequest(Buffer.alloc(40))).toBeUndefined()
    const rsp = new DataView(refreshResponse(req, 77).buffer)
    expect([rsp.getUint16(2), rsp.getUint32(12)]).toEqual([4, 77])
  })
})
