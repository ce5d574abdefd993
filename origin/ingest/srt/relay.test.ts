import { describe, expect, it } from 'vitest'
import { HS_CONCLUSION, HS_INDUCTION, encodeStreamId, parseHandshake } from './packet.ts'
import { SrtRelay } from './relay.ts'

function hs(type: number, cookie: number, sid?: string): Uint8Array {
  const s = sid === undefined ? new Uint8Array() : encodeStreamId(sid)
  const p = new Uint8Array(64 + (s.length > 0 ? 4 + s.length : 0))
  const v = new DataView(p.buffer)
  v.setUint32(0, 0x80000000)
  v.setUint32(16, 5)
  v.setUint32(36, type >>> 0)
  v.setUint32(40, 42)
  v.setUint32(44, cookie)
  if (s.length > 0) {
    v.setUint16(64, 5)
    v.setUint16(66, s.length / 4)
    p.set(s, 68)
  }
  return p
}
const data = Uint8Array.from([0, 0, 0, 7, ...new Uint8Array(12), 1, 2, 3])
const cookieOf = (p: Uint8Array | undefined): number | undefined => {
  const r = p === undefined ? undefined : parseHandshake(p)
  return r?.ok === true ? r.hs.cookie : undefined
}

describe('SrtRelay', () => {
  it('pokes ffmpeg with the original induction until it answers, then concludes with its cookie', () => {
    const induction = hs(HS_INDUCTION, 0)
    const r = new SrtRelay(induction, hs(HS_CONCLUSION, 111, 'publish:k'))
    expect(r.poke()).toBe(induction)
    expect(r.fromCaller(hs(HS_CONCLUSION, 111, 'publish:k2'))).toEqual({})
    const out = r.fromUpstream(hs(HS_INDUCTION, 999))
    expect(cookieOf(out.toUpstream)).toBe(999)
    const sent = out.toUpstream === undefined ? undefined : parseHandshake(out.toUpstream)
    expect(sent?.ok === true && sent.hs.streamId).toBe('publish:k2')
    expect(r.phase).toBe('concluding')
    expect(r.poke()).toBeUndefined()
  })

  it('re-cookies caller handshakes, passes data verbatim and reports data timestamps', () => {
    const r = new SrtRelay(hs(HS_INDUCTION, 0), hs(HS_CONCLUSION, 111))
    r.fromUpstream(hs(HS_INDUCTION, 999))
    const resp = hs(HS_CONCLUSION, 999)
    expect(r.fromUpstream(resp)).toEqual({ toCaller: resp })
    expect(r.phase).toBe('relaying')
    expect(cookieOf(r.fromCaller(hs(HS_CONCLUSION, 111)).toUpstream)).toBe(999)
    expect(r.fromCaller(data)).toEqual({ toUpstream: data, dataTimestampUs: 0 })
    const later = Uint8Array.from(data)
    later.set([0, 1, 0, 0], 8)
    expect(r.fromCaller(later)).toEqual({ toUpstream: later, dataTimestampUs: 65536 })
    const ack = Uint8Array.from([0x80, 2, 0, 0, ...new Uint8Array(12)])
    expect(r.fromUpstream(ack)).toEqual({ toCaller: ack })
  })

  it('reports a rejection from ffmpeg and hands it to the caller', () => {
    const r = new SrtRelay(hs(HS_INDUCTION, 0), hs(HS_CONCLUSION, 111))
    r.fromUpstream(hs(HS_INDUCTION, 999))
    const rej = hs(1000 + 10, 0)
    expect(r.fromUpstream(rej)).toEqual({ toCaller: rej, rejected: 1010 })
  })

  it('ignores non-induction answers while starting', () => {
    const r = new SrtRelay(hs(HS_INDUCTION, 0), hs(HS_CONCLUSION, 111))
    expect(r.fromUpstream(data)).toEqual({})
    expect(r.fromUpstream(hs(HS_CONCLUSION, 5))).toEqual({})
    expect(r.phase).toBe('starting')
  })
})
