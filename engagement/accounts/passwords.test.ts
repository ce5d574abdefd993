import { describe, it, expect } from 'vitest'
import { checkPassword, commonPasswords, hashPassword, verifyPassword } from './passwords.ts'

describe('password policy', () => {
  it.each([
    ['', 'TOO_SHORT'],
    ['seven77', 'TOO_SHORT'],
    ['😀😀😀😀😀😀😀', 'TOO_SHORT'], // 7 code points, 14 UTF-16 units
    ['eight888x', null],
    ['a'.repeat(64), null],
    ['b'.repeat(128), null],
    ['c'.repeat(129), 'TOO_LONG'],
    ['password', 'COMMON'],
    ['PassWord123', 'COMMON'],
    ['qwertyuiop', 'COMMON'],
    ['12345678', 'COMMON'],
    ['iloveyou', 'COMMON'],
    ['all lower case no digits', null], // no composition rules
    ['ümlaut façade naïve', null],
  ])('%j → %s', (pw, want) => {
    expect(checkPassword(pw)).toBe(want)
  })

  it('refuses the email or its local part as password', () => {
    expect(checkPassword('jonathan.doe', 'jonathan.doe@example.com')).toBe('COMMON')
    expect(checkPassword('jonathan.doe@example.com', 'jonathan.doe@example.com')).toBe('COMMON')
  })

  it('ships a list of a few thousand common passwords', () => {
    expect(commonPasswords().size).toBeGreaterThan(3000)
  })

  it('hashes with argon2id and verifies; unknown users cost a verify and fail', async () => {
    const h = await hashPassword('correct horse battery')
    expect(h.startsWith('$argon2id$')).toBe(true)
    expect(await verifyPassword(h, 'correct horse battery')).toBe(true)
    expect(await verifyPassword(h, 'correct horse batterY')).toBe(false)
    expect(await verifyPassword(null, 'correct horse battery')).toBe(false)
  })
})
