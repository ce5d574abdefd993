/** Pure parts of the origin's admin endpoint (`POST /admin/streams/end`). */
import { timingSafeEqual } from 'node:crypto'
import { isName } from '../../common/wire/names.ts'

/** Constant-time bearer check; an empty configured token disables the endpoint. */
export function bearerOk(header: string | undefined, token: string): boolean {
  if (token === '' || header === undefined) return false
  const m = /^Bearer (.+)$/.exec(header)
  if (m === null) return false
  const a = Buffer.from(m[1] ?? '')
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** Validates the `{ event }` body; returns the event name or undefined. */
export function parseEndBody(raw: string): string | undefined {
  try {
    const b = JSON.parse(raw) as unknown
    if (typeof b !== 'object' || b === null) return undefined
    const e = (b as Record<string, unknown>).event
    return isName(e) ? e : undefined
  } catch {
    return undefined
  }
}
