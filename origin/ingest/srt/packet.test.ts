import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  EXT_SID,
  HS_CONCLUSION,
  HS_INDUCTION,
  REJ_FORBIDDEN,
  SRT_MAGIC,
  decodeStreamId,
  encodeStreamId,
  inductionResponse,
  isHandshake,
  parseHandshake,
  peerIpField,
  publishKey,
  rejection,
  withCookie,
} from './packet.ts'

/** A caller handshake as libsrt lays it out (header + 48-byte CIF + optional SID block). */
function callerHandshake(type: number, cookie: number, streamId?: string): Uint8Array {
  const sid = streamId === undefined ? new Uint8Array(0) : encodeStreamId(streamId)
  const p = new Uint8Array(64 + (sid.length > 0 ? 4 + sid.length : 0))
  const v = new DataView(p.buffer)
  v.setUint32(0, 0x80000000)
  v.setUint32(8, 1234)
  v.setUint32(16, type === HS_INDUCTION ? 4 : 5)
  v.setUint16(22, type === HS_INDUCTION ? 2 : 5)
  v.setUint32(24, 777)
  v.setUint32(28, 1500)
  v.setUint32(32, 8192)
  v.setUint32(36, type)
  v.setUint32(40, 0x11223344)
  v.setUint32(44, cookie)
  if (sid.length > 0) {
    v.setUint16(64, EXT_SID)
    v.setUint16(66, sid.length / 4)
    p.set(sid, 68)
  }
  return p
}

describe('SRT handshake packets', () => {
  it('round-trips stream ids through the byte-reversed SID words', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 100 }).filter((s) => !s.includes('\u0000')), (s) => {
        expect(decodeStreamId(encodeStreamId(s))).toBe(s)
      }),
    )
  })

  it('reads "publish:abc" from the wire layout libsrt uses', () => {
    // "publish:abc" as libsrt sends it: each 32-bit word little-endian.
    const wire = Uint8Array.from([0x6c, 0x62, 0x75, 0x70, 0x3a, 0x68, 0x73, 0x69, 0x00, 0x63, 0x62, 0x61])
    expect(decodeStreamId(wire)).toBe('publish:abc')
  })

  it('parses a caller conclusion with its stream id', () => {
    const r = parseHandshake(callerHandshake(HS_CONCLUSION, 99, 'publish:key-1'))
    expect(r).toMatchObject({ ok: true, hs: { type: HS_CONCLUSION, version: 5, socketId: 0x11223344, cookie: 99, streamId: 'publish:key-1', mtu: 1500 } })
  })

  it('answers an induction as a v5 listener with the SRT magic and our cookie', () => {
    const req = parseHandshake(callerHandshake(HS_INDUCTION, 0))
    if (!req.ok) throw new Error('parse')
    const res = parseHandshake(inductionResponse(req.hs, { socketId: 55, cookie: 0xabcdef, timestamp: 9, peerIp: peerIpField('127.0.0.1') }))
    expect(res).toMatchObject({ ok: true, hs: { version: 5, extension: SRT_MAGIC, type: HS_INDUCTION, socketId: 55, cookie: 0xabcdef, destSocketId: 0x11223344, initialSeq: 777 } })
  })

  it('builds a rejection carrying 1000 + reason', () => {
    const req = parseHandshake(callerHandshake(HS_CONCLUSION, 5, 'publish:x'))
    if (!req.ok) throw new Error('parse')
    const rej = parseHandshake(rejection(req.hs, { socketId: 1, reason: REJ_FORBIDDEN, timestamp: 0, peerIp: new Uint8Array(16) }))
    expect(rej.ok && rej.hs.type).toBe(1000 + REJ_FORBIDDEN)
  })

  it('rewrites only the cookie', () => {
    const p = callerHandshake(HS_CONCLUSION, 5, 'publish:x')
    const q = withCookie(p, 0xdeadbeef)
    expect(parseHandshake(q)).toMatchObject({ ok: true, hs: { cookie: 0xdeadbeef, streamId: 'publish:x' } })
    expect(Buffer.from(q.subarray(48)).equals(Buffer.from(p.subarray(48)))).toBe(true)
    expect(Buffer.from(q.subarray(0, 44)).equals(Buffer.from(p.subarray(0, 44)))).toBe(true)
  })

  it.each([
    ['data packet', Uint8Array.from([0, 0, 0, 1, ...new Uint8Array(60)]), 'NOT_CONTROL'],
    ['keepalive', Uint8Array.from([0x80, 1, 0, 0, ...new Uint8Array(12)]), 'NOT_HANDSHAKE'],
    ['short handshake', Uint8Array.from([0x80, 0, 0, 0, ...new Uint8Array(20)]), 'TRUNCATED'],
    ['extension past end', Uint8Array.from([...callerHandshake(HS_CONCLUSION, 1), 0, 5, 0, 9]), 'BAD_EXTENSION'],
  ])('refuses a %s', (_n, bytes, error) => {
    expect(parseHandshake(bytes)).toEqual({ ok: false, error })
  })

  it('never throws on random datagrams', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        parseHandshake(b)
        isHandshake(b)
      }),
    )
  })

  it.each<[string | undefined, string | undefined]>([
    ['publish:abc-123', 'abc-123'],
    ['#!::r=abc,m=publish', 'abc'],
    ['#!::r=abc,m=request', undefined],
    ['read:abc', undefined],
    ['publish:', undefined],
    ['publish:a b', undefined],
    [undefined, undefined],
  ])('takes the key from %j', (sid, key) => {
    expect(publishKey(sid)).toBe(key)
  })
})
