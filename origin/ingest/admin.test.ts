import { describe, expect, it } from 'vitest'
import { bearerOk, parseEndBody } from './admin.ts'

describe('admin endpoint input', () => {
  it.each<[string | undefined, string, boolean]>([
    ['Bearer s3cret-token', 's3cret-token', true],
    ['Bearer s3cret-tokex', 's3cret-token', false],
    ['Bearer s3cret', 's3cret-token', false],
    ['bearer s3cret-token', 's3cret-token', false],
    ['s3cret-token', 's3cret-token', false],
    [undefined, 's3cret-token', false],
    ['Bearer ', '', false],
  ])('bearer %j vs configured %j → %s', (header, token, ok) => {
    expect(bearerOk(header, token)).toBe(ok)
  })

  it.each<[string, string | undefined]>([
    ['{"event":"demo"}', 'demo'],
    ['{"event":"a_b-1"}', 'a_b-1'],
    ['{"event":"../etc"}', undefined],
    ['{"event":5}', undefined],
    ['{}', undefined],
    ['null', undefined],
    ['not json', undefined],
  ])('body %j → %j', (raw, event) => {
    expect(parseEndBody(raw)).toBe(event)
  })
})
