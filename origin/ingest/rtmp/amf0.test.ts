import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { decodeAmf0, encodeAmf0, type AmfValue } from './amf0.ts'

const amfValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.double({ noNaN: true }),
    fc.boolean(),
    fc.string({ maxLength: 40 }),
    fc.constant(null),
    fc.constant(undefined),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), tie('value'), { maxKeys: 4 }),
  ),
})).value as fc.Arbitrary<AmfValue>

describe('AMF0', () => {
  it('round-trips any value list (encode → decode)', () => {
    fc.assert(
      fc.property(fc.array(amfValue, { maxLength: 5 }), (values) => {
        const d = decodeAmf0(encodeAmf0(...values))
        expect(d.ok).toBe(true)
        if (d.ok) expect(JSON.parse(JSON.stringify(d.values))).toEqual(JSON.parse(JSON.stringify(values)))
      }),
    )
  })

  it.each<[string, number[], AmfValue[]]>([
    ['number 1.5', [0, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0], [1.5]],
    ['boolean true', [1, 1], [true]],
    ['string "ab"', [2, 0, 2, 0x61, 0x62], ['ab']],
    ['null, undefined', [5, 6], [null, undefined]],
    ['object {a: true}', [3, 0, 1, 0x61, 1, 1, 0, 0, 9], [{ a: true }]],
    ['ECMA array {a: "x"}', [8, 0, 0, 0, 1, 0, 1, 0x61, 2, 0, 1, 0x78, 0, 0, 9], [{ a: 'x' }]],
    ['strict array [null]', [10, 0, 0, 0, 1, 5], [[null]]],
    ['long string "z"', [12, 0, 0, 0, 1, 0x7a], ['z']],
  ])('decodes %s', (_name, bytes, expected) => {
    const d = decodeAmf0(Uint8Array.from(bytes))
    expect(d.ok && d.values).toEqual(expected)
  })

  it.each<[string, number[], string]>([
    ['truncated number', [0, 1, 2], 'TRUNCATED'],
    ['string past end', [2, 0, 9, 0x61], 'TRUNCATED'],
    ['unknown type 0x11', [0x11], 'UNSUPPORTED_TYPE'],
    ['object without end', [3, 0, 1, 0x61, 5], 'TRUNCATED'],
    ['huge strict array', [10, 0xff, 0xff, 0xff, 0xff], 'TOO_MANY_ITEMS'],
    ['nesting bomb', Array.from({ length: 40 }, () => [10, 0, 0, 0, 1]).flat(), 'TOO_DEEP'],
  ])('refuses %s as data', (_name, bytes, code) => {
    expect(decodeAmf0(Uint8Array.from(bytes))).toEqual({ ok: false, code })
  })

  it('never throws on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      decodeAmf0(bytes)
    }))
  })

  it('keeps a __proto__ key as plain data', () => {
    const d = decodeAmf0(Uint8Array.from([3, 0, 9, ...Buffer.from('__proto__'), 1, 1, 0, 0, 9]))
    expect(d.ok).toBe(true)
    if (d.ok) expect(Object.keys(d.values[0] as object)).toEqual(['__proto__'])
  })
})
