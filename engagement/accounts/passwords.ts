import { readFileSync } from 'node:fs'
import { hash, verify } from '@node-rs/argon2'

/** Why a new password was refused. */
export type PasswordProblem = 'TOO_SHORT' | 'TOO_LONG' | 'COMMON'

/** Minimum length (ASVS 6.2.1). */
export const MIN_PASSWORD_LENGTH = 8
/** Longest password accepted; well above the 64 ASVS requires. */
export const MAX_PASSWORD_LENGTH = 128

let common: Set<string> | undefined

/** The shipped common-password list, lower-cased. */
export function commonPasswords(): Set<string> {
  if (common === undefined) {
    const text = readFileSync(new URL('./common-passwords.txt', import.meta.url), 'utf8')
    common = new Set(text.split('\n').map((l) => l.trim().toLowerCase()).filter((l) => l !== '' && !l.startsWith('#')))
  }
  return common
}

/** Checks a new password: length in code points and the common list; no composition rules. */
export function checkPassword(password: string, email = ''): PasswordProblem | null {
  const length = [...password].length
  if (length < MIN_PASSWORD_LENGTH) return 'TOO_SHORT'
  if (length > MAX_PASSWORD_LENGTH) return 'TOO_LONG'
  const lower = password.toLowerCase()
  if (commonPasswords().has(lower)) return 'COMMON'
  const local = email.split('@')[0]?.toLowerCase() ?? ''
  if (local.length >= 4 && (lower === local || lower === email.toLowerCase())) return 'COMMON'
  return null
}

/** argon2id with the library defaults (m=19456 KiB, t=2, p=1). */
export function hashPassword(password: string): Promise<string> {
  return hash(password)
}

// Verified against when the email is unknown, so both paths cost one argon2 run.
let dummyHash: Promise<string> | undefined

/** Verifies a password; with `null` hash it spends the same time and answers false. */
export async function verifyPassword(hashed: string | null, password: string): Promise<boolean> {
  if (hashed === null) {
    dummyHash ??= hash('not-a-real-password-for-timing')
    await verify(await dummyHash, password).catch(() => false)
    return false
  }
  return verify(hashed, password).catch(() => false)
}
