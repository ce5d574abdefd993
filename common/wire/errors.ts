// The body of every engagement API error response, as the server sends it and the client reads it.
import { Type, type Static } from 'typebox'
import { LoginChallenge, StepUpChallenge } from './accounts.ts'

/**
 * Body of every error response. `error` is a machine-readable code (the client shows the catalogue's
 * `errors.<CODE>`); `message` is developer text in English, never shown to users.
 */
export const ErrorBody = Type.Object({
  error: Type.String({ description: 'Machine-readable code, e.g. VALIDATION, STEP_UP_REQUIRED' }),
  message: Type.String(),
  /** With STEP_UP_REQUIRED: where and how to prove a fresh second factor. */
  stepUp: Type.Optional(StepUpChallenge),
  retryAfterSec: Type.Optional(Type.Integer()),
  /** With CHALLENGE_REQUIRED: solve it and send `{ challengeId, nonce }` as `challenge` with the retry. */
  challenge: Type.Optional(LoginChallenge),
  /** With TIMED_OUT: when the timeout ends (ISO time). */
  until: Type.Optional(Type.String({ format: 'date-time' })),
})
/** Static type of {@link ErrorBody}. */
export type ErrorBody = Static<typeof ErrorBody>
