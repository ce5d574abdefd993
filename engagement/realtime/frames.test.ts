import { describe, it, expect } from 'vitest'
import { REALTIME_MAX_CLIENT_FRAME_BYTES } from '../../common/wire/realtime.ts'
import { parseClientFrame } from './frames.ts'

const parse = (text: string, isBinary = false) => parseClientFrame(text, Buffer.byteLength(text), isBinary)

describe('client frames', () => {
  it.each([
    ['{"type":"resume","afterSeq":4}', { type: 'resume', afterSeq: 4 }],
    ['{"type":"ping"}', { type: 'ping' }],
    ['{"type":"vote","pollId":"p1","optionId":"o2","ref":"r-1"}', { type: 'vote', pollId: 'p1', optionId: 'o2', ref: 'r-1' }],
    ['{"type":"react","emoji":"🔥"}', { type: 'react', emoji: '🔥' }],
    ['{"type":"react","emoji":"🎉","count":5}', { type: 'react', emoji: '🎉', count: 5 }],
  ])('accepts %s', (text, msg) => {
    expect(parse(text)).toEqual({ ok: true, msg })
  })

  it.each([
    ['not json', 'BAD_FRAME', undefined],
    ['[1,2]', 'BAD_FRAME', undefined],
    ['null', 'BAD_FRAME', undefined],
    ['"ping"', 'BAD_FRAME', undefined],
    ['{"afterSeq":1}', 'BAD_FRAME', undefined],
    ['{"type":7}', 'BAD_FRAME', undefined],
    ['{"type":"subscribe","topic":"x"}', 'UNKNOWN_TYPE', undefined],
    ['{"type":"chat","text":"hi","ref":"r9"}', 'UNKNOWN_TYPE', 'r9'],
    ['{"type":"resume","afterSeq":-1}', 'BAD_FRAME', undefined],
    ['{"type":"resume","afterSeq":1.5}', 'BAD_FRAME', undefined],
    ['{"type":"resume"}', 'BAD_FRAME', undefined],
    ['{"type":"ping","extra":1}', 'BAD_FRAME', undefined],
    ['{"type":"vote","pollId":"p1","optionId":"o1"}', 'BAD_FRAME', undefined],
    ['{"type":"vote","pollId":"","optionId":"o1","ref":"r2"}', 'BAD_FRAME', 'r2'],
    ['{"type":"react","emoji":"🐍"}', 'BAD_FRAME', undefined],
    ['{"type":"react","emoji":"🔥","count":51}', 'BAD_FRAME', undefined],
  ])('refuses %s with %s', (text, code, ref) => {
    const r = parse(text)
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.code).toBe(code)
    expect(r.ref).toBe(ref)
    expect(r.message.length).toBeGreaterThan(0)
  })

  it('refuses binary frames and oversized ones (the caller closes on FRAME_TOO_BIG)', () => {
    expect(parse('{"type":"ping"}', true)).toMatchObject({ ok: false, code: 'BAD_FRAME' })
    const big = JSON.stringify({ type: 'ping', pad: 'x'.repeat(REALTIME_MAX_CLIENT_FRAME_BYTES) })
    expect(parse(big)).toMatchObject({ ok: false, code: 'FRAME_TOO_BIG' })
  })

  it('never echoes more than a short piece of an unknown type', () => {
    const r = parse(JSON.stringify({ type: 'x'.repeat(1000) }))
    expect(r.ok === false && r.message.length < 100).toBe(true)
  })
})
