// The name rule: the guard, the TypeBox schema and the pattern agree, on a table and on random strings.
import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import Value from 'typebox/value'
import { NAME_PATTERN, Name, isName } from './names.ts'

describe('name rule', () => {
  it.each([
    ['main', true],
    ['cam-2_B', true],
    ['a'.repeat(64), true],
    ['a'.repeat(65), false],
    ['', false],
    ['has space', false],
    ['dot.ted', false],
    ['slash/ed', false],
    ['ünïcode', false],
    ['line\n', false],
  ])('%j → %s', (v, ok) => {
    expect(isName(v)).toBe(ok)
    expect(Value.Check(Name, v)).toBe(ok)
  })

  it('refuses non-strings', () => {
    for (const v of [undefined, null, 5, {}, ['main']]) expect(isName(v)).toBe(false)
  })

  it('guard and schema agree on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 70 }), fc.stringMatching(new RegExp(NAME_PATTERN))), (v) => isName(v) === Value.Check(Name, v)),
    )
  })
})
