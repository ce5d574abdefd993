// Authentication before validation: which operations are public, and the hook that refuses anonymous calls to the rest.
import type { FastifyRequest } from 'fastify'
import { safeEqual } from './crypto.ts'
import { ApiError } from './errors.ts'

/** How an operation authenticates its caller. */
export type OperationAuth = 'public' | 'internal'

/**
 * The public surface, in one place so a review sees all of it: every operation not listed needs a
 * session, and an anonymous call to it is answered 401 before its body, params or query are
 * looked at. `internal` operations need the `internalToken` bearer instead.
 */
export const OPERATION_AUTH: Readonly<Record<string, OperationAuth>> = {
  register: 'public',
  login: 'public',
  getEvent: 'public',
  listEvents: 'public',
  // Anonymous viewers watch free events; paid ones are checked in the handler.
  createPlaybackSession: 'public',
  // Guests read polls (drafts only for the event's hosts, checked in the handler).
  getPoll: 'public',
  listPolls: 'public',
  // Guests read the approved questions, the chat and the public settings.
  listQuestions: 'public',
  listChatMessages: 'public',
  getChatSettings: 'public',
  clientConfig: 'public',
  openapi: 'public',
  health: 'public',
  metrics: 'public',
  authorizeStreamKey: 'internal',
}

function operationId(req: FastifyRequest): string | undefined {
  const schema = req.routeOptions.schema as { operationId?: unknown } | undefined
  return typeof schema?.operationId === 'string' ? schema.operationId : undefined
}

/**
 * Refuses an unauthenticated call to a protected operation. Runs as an `onRequest` hook after
 * the session has been loaded, so it precedes body parsing and every schema check. Routes
 * without an operationId (static files of the app) are not operations and pass.
 */
export function gateOperation(req: FastifyRequest, internalToken: string): void {
  const op = operationId(req)
  if (op === undefined) return
  const mode = OPERATION_AUTH[op]
  if (mode === 'public') return
  if (mode === 'internal') {
    const header = req.headers.authorization ?? ''
    if (internalToken === '' || !safeEqual(header, `Bearer ${internalToken}`)) throw new ApiError(401, 'UNAUTHENTICATED', 'internal bearer token required')
    return
  }
  if (req.auth === null) throw new ApiError(401, 'UNAUTHENTICATED', 'sign in first')
}

