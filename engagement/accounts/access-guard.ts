import type { FastifyRequest } from 'fastify'
import type { Ctx } from '../context.ts'
import { decide, type EventRole } from './access.ts'
import { eventById, type EventInfo } from '../events/events.ts'
import { ApiError } from '../platform/errors.ts'
import type { AuthState } from './session-auth.ts'
import type { StepUpChallenge } from '../../common/wire/accounts.ts'

const MESSAGES = {
  UNAUTHENTICATED: 'sign in first',
  FORBIDDEN: 'you do not have the role this action needs on this event',
  TOTP_ENROLLMENT_REQUIRED: 'turn on two-factor authentication first',
  STEP_UP_REQUIRED: 'confirm it is you with your authenticator code',
} as const

/** Throws 401 unless the request has a session. */
export function requireSession(req: FastifyRequest): AuthState {
  if (req.auth === null) throw new ApiError(401, 'UNAUTHENTICATED', MESSAGES.UNAUTHENTICATED)
  return req.auth
}

/** The step-up challenge attached to STEP_UP_REQUIRED refusals. */
export function stepUpChallenge(ctx: Ctx): StepUpChallenge {
  return { endpoint: '/api/auth/step-up', methods: ['totp', 'recoveryCode'], maxAgeSec: ctx.config.stepUpMaxAgeSec }
}

/** Refusal for a failed access decision. */
export function accessError(ctx: Ctx, status: 401 | 403, code: keyof typeof MESSAGES): ApiError {
  return new ApiError(status, code, MESSAGES[code], code === 'STEP_UP_REQUIRED' ? { stepUp: stepUpChallenge(ctx) } : {})
}

/**
 * Enforces a medium or high tier on an event: 404 when the event is absent, then the role, 2FA and
 * step-up rules. Refusals of audited actions are written to the audit log.
 */
export async function requireEventAccess(
  ctx: Ctx,
  req: FastifyRequest,
  opts: { eventId: string; tier: 'medium' | 'high'; roles: readonly EventRole[]; action: string; target?: string },
): Promise<{ auth: AuthState; event: EventInfo }> {
  const event = await eventById(ctx.db, opts.eventId)
  if (event === null) throw new ApiError(404, 'EVENT_NOT_FOUND', `no event ${opts.eventId}`)
  const d = decide(req.auth?.principal ?? null, { tier: opts.tier, eventId: opts.eventId, roles: opts.roles }, ctx.now(), ctx.config.stepUpMaxAgeSec * 1000)
  if (!d.ok) {
    if (req.auth !== null) await ctx.audit(req, { action: opts.action, eventId: opts.eventId, target: opts.target ?? '', result: 'denied', detail: d.error })
    throw accessError(ctx, d.status, d.error)
  }
  return { auth: requireSession(req), event }
}

/** Enforces "2FA enrolled and proven in this session" for actions not tied to an event yet. */
export function requireMfaSession(ctx: Ctx, req: FastifyRequest): AuthState {
  const auth = requireSession(req)
  if (!auth.user.totpEnabled) throw accessError(ctx, 403, 'TOTP_ENROLLMENT_REQUIRED')
  if (auth.record.mfaAtMs <= 0) throw accessError(ctx, 401, 'STEP_UP_REQUIRED')
  return auth
}
