import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { CHECKED_STRING_MAX_BYTES, CursorError, JsonCursor, KIND } from './json-cursor.ts'

const cursor = (s: string): JsonCursor => new JsonCursor(Buffer.from(s))

function skipAll(s: string): 'ok' | string {
  const c = cursor(s)
  try {
    c.skipValue(0)
    c.end()
    return 'ok'
  } catch (err) {
    if (err instanceof CursorError) return err.code
    throw err
  }
}

describe('JsonCursor strings', () => {
  const cases: [string, string, { plain: boolean; units: number }][] = [
    ['ascii', '"abc"', { plain: true, units: 3 }],
    ['empty', '""', { plain: true, units: 0 }],
    ['escaped quote', '"a\\"b"', { plain: false, units: 3 }],
    ['unicode escape', '"\\u0041"', { plain: false, units: 1 }],
    ['two-byte UTF-8', '"é"', { plain: false, units: 1 }],
    ['astral (two code units)', '"😀"', { plain: false, units: 2 }],
    ['escaped backslash before the end', '"a\\\\"', { plain: false, units: 2 }],
  ]
  it.each(cases)('%s', (_name, token, want) => {
    const c = cursor(token)
    c.string()
    expect({ plain: c.tokPlain, units: c.tokUnits }).toEqual(want)
    expect([c.tokStart, c.tokEnd]).toEqual([0, Buffer.byteLength(token)])
    expect(c.decodeToken()).toBe(JSON.parse(token))
  })

  const bad: [string, string][] = [
    ['bad escape', '"a\\q"'],
    ['short unicode escape', '"\\u12"'],
    ['raw control character', '"a\u0001"'],
    ['unterminated', '"abc'],
    ['unterminated long string', `"${'a'.repeat(300)}\\"`],
  ]
  it.each(bad)('rejects %s', (_name, token) => {
    expect(() => cursor(token).string()).toThrow(CursorError)
  })

  it('long strings are spanned, not checked', () => {
    const token = JSON.stringify('x'.repeat(CHECKED_STRING_MAX_BYTES + 1) + '"\\\r\n')
    const c = cursor(token)
    c.string()
    expect([c.tokEnd, c.tokUnits, c.tokPlain]).toEqual([Buffer.byteLength(token), -1, false])
  })

  it('units and decoding agree with JSON.stringify for any string (fast-check)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => {
        const token = JSON.stringify(s)
        const c = cursor(token)
        c.string()
        expect(c.tokEnd).toBe(Buffer.byteLength(token))
        if (Buffer.byteLength(token) - 2 <= CHECKED_STRING_MAX_BYTES) {
          expect(c.tokUnits).toBe(s.length)
          expect(c.decodeToken()).toBe(s)
        }
      }),
    )
  })
})

describe('JsonCursor values', () => {
  it('numbers', () => {
    for (const [s, v] of [['0', 0], ['-12', -12], ['3.5', 3.5], ['1e3', 1000], ['12345678901234567', Number('12345678901234567')]] as const) {
      expect(cursor(s).number()).toBe(v)
    }
    for (const s of ['01', '-', '1.', '1e']) expect(() => cursor(s).number()).toThrow(CursorError)
  })

  it('kinds', () => {
    expect(['"x"', '{}', '[]', '1', 'true', 'false', 'null'].map((s) => cursor(s).kind())).toEqual([
      KIND.string,
      KIND.object,
      KIND.array,
      KIND.number,
      KIND.true,
      KIND.false,
      KIND.null,
    ])
  })

  it('skipValue rejects what JSON.parse rejects', () => {
    for (const s of ['{', '{"a"}', '{"a":1,}', '[1 2]', 'tru', '{"a":1}x', '{a:1}']) expect(skipAll(s)).toBe('NOT_JSON')
    expect(skipAll('[[[[[[[1]]]]]]]')).toBe('TOO_COMPLEX')
  })

  it('skipValue accepts any JSON that JSON.stringify writes (fast-check)', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 4 }), (json) => {
        expect(skipAll(json)).toBe('ok')
      }),
    )
  })
})
