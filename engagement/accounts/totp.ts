import { generateSecret, generateURI, verify } from 'otplib'
import QRCode from 'qrcode'
import { randomBytes } from 'node:crypto'
import { sha256 } from '../platform/crypto.ts'

/** TOTP period in seconds (ASVS 6.5.5: at most 30). */
export const TOTP_PERIOD_SEC = 30
/** Number of recovery codes issued at enrollment. */
export const RECOVERY_CODE_COUNT = 10

/** A fresh base32 TOTP seed (160 bits from the CSPRNG). */
export function newTotpSecret(): string {
  return generateSecret()
}

/** The otpauth URL and its QR code as a PNG data URL. */
export async function totpProvisioning(issuer: string, label: string, secret: string): Promise<{ otpauthUrl: string; qrDataUrl: string }> {
  const otpauthUrl = generateURI({ issuer, label, secret, period: TOTP_PERIOD_SEC })
  const qrDataUrl = await QRCode.toDataURL(otpauthUrl, { errorCorrectionLevel: 'M', margin: 2 })
  return { otpauthUrl, qrDataUrl }
}

/**
 * Checks a code at `nowMs`, allowing one period of clock skew either way. Returns the matched time
 * step, or null when the code is wrong or its step is not after `lastStep` (a replay).
 */
export async function verifyTotp(secret: string, token: string, lastStep: number, nowMs: number): Promise<number | null> {
  if (!/^\d{6}$/.test(token)) return null
  try {
    const r = await verify({
      secret,
      token,
      period: TOTP_PERIOD_SEC,
      epoch: Math.floor(nowMs / 1000),
      epochTolerance: TOTP_PERIOD_SEC,
      afterTimeStep: lastStep,
    })
    return r.valid && 'timeStep' in r ? r.timeStep : null
  } catch {
    return null
  }
}

const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'

/** Ten one-use recovery codes like `k7qm-x2vd-9tpa` (about 73 bits each). */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const bytes = randomBytes(15)
    const chars = [...bytes].map((b) => ALPHABET[b % ALPHABET.length] ?? 'a').join('')
    return `${chars.slice(0, 5)}-${chars.slice(5, 10)}-${chars.slice(10, 15)}`
  })
}

/** Hash stored for a recovery code; input is normalised (case, spaces, dashes). */
export function hashRecoveryCode(code: string): string {
  return sha256(`recovery:${code.toLowerCase().replace(/[\s-]/g, '')}`)
}
