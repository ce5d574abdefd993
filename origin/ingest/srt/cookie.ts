/**
 * Stateless SYN cookies for the SRT front, so inductions (spoofable UDP) allocate nothing: the
 * cookie is an HMAC of the caller's address and a one-minute time bucket, checked on conclusion
 * against the current and the previous bucket. Pure; the secret and the clock are inputs.
 */
import { createHmac } from 'node:crypto'

const BUCKET_MS = 60_000

/** The cookie for `address:port` in the bucket containing `nowMs` (never 0). */
export function synCookie(secret: Uint8Array, address: string, port: number, nowMs: number, bucketOffset = 0): number {
  const bucket = Math.floor(nowMs / BUCKET_MS) + bucketOffset
  const mac = createHmac('sha256', secret).update(`${address}|${port}|${bucket}`).digest()
  return mac.readUInt32BE(0) || 1
}

/** Whether `cookie` was issued to `address:port` in this or the previous minute. */
export function cookieValid(secret: Uint8Array, address: string, port: number, nowMs: number, cookie: number): boolean {
  return cookie === synCookie(secret, address, port, nowMs) || cookie === synCookie(secret, address, port, nowMs, -1)
}
