import { describe, expect, it } from 'vitest'
import { cookieValid, synCookie } from './cookie.ts'

const secret = Buffer.alloc(32, 1)

describe('SRT SYN cookies', () => {
  it('accepts a cookie in its minute and the next, not later', () => {
    const c = synCookie(secret, '10.0.0.1', 5000, 120_000)
    expect(cookieValid(secret, '10.0.0.1', 5000, 120_000 + 59_999, c)).toBe(true)
    expect(cookieValid(secret, '10.0.0.1', 5000, 180_000 + 59_999, c)).toBe(true)
    expect(cookieValid(secret, '10.0.0.1', 5000, 240_000, c)).toBe(false)
  })

  it.each([
    ['another address', '10.0.0.2', 5000],
    ['another port', '10.0.0.1', 5001],
  ])('refuses a cookie replayed from %s', (_n, addr, port) => {
    const c = synCookie(secret, '10.0.0.1', 5000, 0)
    expect(cookieValid(secret, addr, port, 0, c)).toBe(false)
  })

  it('depends on the secret', () => {
    expect(synCookie(secret, 'a', 1, 0)).not.toBe(synCookie(Buffer.alloc(32, 2), 'a', 1, 0))
  })
})
