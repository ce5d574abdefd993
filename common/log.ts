import { pino, type Logger, type LoggerOptions } from 'pino'

/** Paths whose values must never reach a log line. */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'streamKey',
  '*.streamKey',
  'key',
  '*.key',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'passphrase',
  '*.passphrase',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
]

/** JSON logger for one service; `level` comes from that service's config. */
export function createLogger(service: string, level = 'info', options: LoggerOptions = {}): Logger {
  return pino({
    name: service,
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service },
    ...options,
  })
}

export type { Logger }
