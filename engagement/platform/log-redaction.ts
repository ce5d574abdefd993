// The engagement logger: every path that may carry a credential, a second factor, a payout account or a CSRF token is redacted.
import { pino, type DestinationStream } from 'pino'
import { REDACT_PATHS, type Logger } from '../../common/log.ts'

// Body and object fields that hold secrets, wherever they sit (top level, one or two levels down).
const SECRET_FIELDS = [
  'password',
  'totpCode',
  'recoveryCode',
  'recoveryCodes',
  'code',
  'secret',
  'totpSecret',
  'otpauthUrl',
  'qrDataUrl',
  'payoutIban',
  'iban',
  'streamKey',
  'csrfToken',
  'csrf',
  'token',
  'trackerToken',
  'passwordHash',
]
const HEADERS = ['cookie', 'authorization', '["x-csrf-token"]', '["set-cookie"]']

/** Every path the engagement logger censors (the shared list plus the engagement's own). */
export const ENGAGEMENT_REDACT_PATHS: readonly string[] = [
  ...new Set([
    ...REDACT_PATHS,
    ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]),
    ...HEADERS.flatMap((h) => [`req.headers.${h}`.replace('.[', '['), `res.headers.${h}`.replace('.[', '['), `headers.${h}`.replace('.[', '[')]),
  ]),
]

/** JSON logger of the engagement service; `destination` defaults to stdout (tests capture it). */
export function createEngagementLogger(level: string, destination?: DestinationStream): Logger {
  const options = { name: 'engagement', level, redact: { paths: [...ENGAGEMENT_REDACT_PATHS], censor: '[redacted]' }, base: { service: 'engagement' } }
  return destination === undefined ? pino(options) : pino(options, destination)
}
