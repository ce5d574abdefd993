// Turns the engagement API's typed error codes into catalogue messages.
import { t } from './index.ts'

/** The parts of an API error the message depends on. */
export interface ErrorLike {
  error: string
  retryAfterSec?: number
}

const hasMessage = (key: string): boolean => t(key, { default: '' }) !== ''

/**
 * The user-facing text for an error code: `errors.<CODE>` from the catalogue, `errors.HTTP` for
 * bare HTTP failures, else a generic message naming the code. The server's own `message` is for
 * developers and is never shown, so every shown word is translatable.
 */
export function errorMessage(e: ErrorLike): string {
  const http = /^HTTP_(\d{3})$/.exec(e.error)
  if (http) return t('errors.HTTP', { values: { status: Number(http[1]) } })
  const key = `errors.${e.error}`
  if (/^[A-Z][A-Z0-9_]*$/.test(e.error) && hasMessage(key)) return t(key, { values: { seconds: e.retryAfterSec ?? 60 } })
  return t('errors.UNKNOWN', { values: { code: e.error.slice(0, 40) } })
}
