import { createCipheriv, pbkdf2Sync, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { checkKeyMaterial } from './key-material.ts'

/** A KMREQ as a libsrt caller builds it, wrapped with real AES key wrap. */
function kmreq(passphrase: string, klen: number, kk = 1): Uint8Array {
  const salt = randomBytes(16)
  const keys = randomBytes(klen * (kk === 3 ? 2 : 1))
  const kek = pbkdf2Sync(passphrase, salt.subarray(8), 2048, klen, 'sha1')
  const c = createCipheriv(`id-aes${klen * 8}-wrap`, kek, Buffer.from('a6a6a6a6a6a6a6a6', 'hex'))
  const wrapped = Buffer.concat([c.update(keys), c.final()])
  const head = Buffer.from([0x12, 0x20, 0x29, kk, 0, 0, 0, 0, 2, 0, 2, 0, 0, 0, 4, klen / 4])
  return Buffer.concat([head, salt, wrapped])
}

describe('checkKeyMaterial', () => {
  it.each([16, 24, 32])('opens a %i-byte key wrapped with the right passphrase', (klen) => {
    expect(checkKeyMaterial(kmreq('correct-horse-battery', klen), 'correct-horse-battery')).toBe('OK')
  })

  it('opens both keys (KK=3)', () => {
    expect(checkKeyMaterial(kmreq('pass-phrase-12', 16, 3), 'pass-phrase-12')).toBe('OK')
  })

  it('refuses the wrong passphrase', () => {
    expect(checkKeyMaterial(kmreq('wrong-passphrase', 16), 'correct-horse-battery')).toBe('BAD_PASSPHRASE')
  })

  it.each([
    ['too short', new Uint8Array(10)],
    ['wrong packet type', Buffer.concat([Buffer.from([0x11, 0x20, 0x29, 1, 0, 0, 0, 0, 2, 0, 2, 0, 0, 0, 4, 4]), Buffer.alloc(40)])],
    ['truncated wrap', kmreq('x-passphrase', 16).subarray(0, 50)],
  ])('refuses %s as malformed', (_n, km) => {
    expect(checkKeyMaterial(km, 'x-passphrase')).toBe('MALFORMED')
  })
})
