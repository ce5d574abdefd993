// "May this user write here?": signed in, the event exists (and, for new content, has not ended), not banned, not timed out — one check for REST and the socket.
import type { FastifyRequest } from 'fastify'
import type { Static } from 'typebox'
import type { ErrorMsg } from '../../common/wire/realtime.ts'
import type { Ctx } from '../context.ts'
import type { AuthState } from '../accounts/session-auth.ts'
import { ApiError } from '../platform/errors.ts'
import type { Restriction } from './chat/restrictions.ts'
import { eventStates, type EventInteraction } from './settings/event-state.ts'

/** Why a write is refused. */
export type ParticipationRefusal =
  | { ok: false; status: 401; code: 'UNAUTHENTICATED' }
  | { ok: false; status: 404; code: 'EVENT_NOT_FOUND' }
  | { ok: false; status: 409; code: 'EVENT_ENDED' }
  | { ok: false; status: 403; code: 'BANNED' }
  | { ok: false; status: 403; code: 'TIMED_OUT'; untilMs: number }

/** Outcome of {@link decideParticipation}. */
export type ParticipationDecision = { ok: true } | ParticipationRefusal

/**
 * What a write does. `newContent`: it adds something (chat message, question, upvote, reaction) and
 * is refused once the event has ended; other writes (reports, moderation, polls) are not.
 */
export interface WriteKind {
  newContent?: boolean
}

/**
 * The rule (pure): guests may not write; new content on an ended event (`endedForWrite`: the event
 * has ended and the write adds content) is refused; a ban refuses every write on the event; a
 * timeout refuses them until its end (exclusive).
 */
export function decideParticipation(userId: string | null, restriction: Restriction | undefined, nowMs: number, endedForWrite = false): ParticipationDecision {
  if (userId === null) return { ok: false, status: 401, code: 'UNAUTHENTICATED' }
  if (endedForWrite) return { ok: false, status: 409, code: 'EVENT_ENDED' }
  if (restriction === undefined) return { ok: true }
  if (restriction.kind === 'ban') return { ok: false, status: 403, code: 'BANNED' }
  if (restriction.untilMs !== null && restriction.untilMs > nowMs) return { ok: false, status: 403, code: 'TIMED_OUT', untilMs: restriction.untilMs }
  return { ok: true }
}

/** A decision plus the event's state when the write may go ahead. */
export type ParticipationCheck = { ok: true; state: EventInteraction } | ParticipationRefusal

/**
 * Checks a write by `userId` (null = guest) on `eventId`: unauthenticated first (no lookup), then
 * the event, then (for `kind.newContent`) its end, then bans and timeouts. Uses the per-instance
 * state cache, so it is cheap per vote.
 */
export async function checkParticipation(ctx: Ctx, eventId: string, userId: string | null, kind: WriteKind = {}): Promise<ParticipationCheck> {
  if (userId === null) return { ok: false, status: 401, code: 'UNAUTHENTICATED' }
  const state = await eventStates(ctx).get(eventId)
  if (state === null) return { ok: false, status: 404, code: 'EVENT_NOT_FOUND' }
  const d = decideParticipation(userId, state.restrictions.get(userId), ctx.now(), kind.newContent === true && state.ended)
  return d.ok ? { ok: true, state } : d
}

function refusalMessage(r: ParticipationRefusal): string {
  switch (r.code) {
    case 'UNAUTHENTICATED':
      return 'sign in first'
    case 'EVENT_NOT_FOUND':
      return 'no such event'
    case 'EVENT_ENDED':
      return 'this event has ended; nothing new can be posted'
    case 'BANNED':
      return 'you are banned from taking part in this event'
    case 'TIMED_OUT':
      return `you are timed out until ${new Date(r.untilMs).toISOString()}`
  }
}

/** The REST refusal (`TIMED_OUT` carries `until` and `retryAfterSec`). */
export function participationError(r: ParticipationRefusal, nowMs: number): ApiError {
  if (r.code === 'TIMED_OUT') {
    return new ApiError(r.status, r.code, refusalMessage(r), { until: new Date(r.untilMs).toISOString(), retryAfterSec: Math.max(1, Math.ceil((r.untilMs - nowMs) / 1000)) })
  }
  return new ApiError(r.status, r.code, refusalMessage(r))
}

/** The socket refusal: an `error` frame with the same code (and `ref` when answering a vote). */
export function participationErrorMsg(r: ParticipationRefusal, ref?: string): Static<typeof ErrorMsg> {
  return { type: 'error', code: r.code, message: refusalMessage(r), ...(ref !== undefined ? { ref } : {}) }
}

/**
 * For REST writes: returns the caller and the event's state, or throws 401, 404 `EVENT_NOT_FOUND`,
 * 409 `EVENT_ENDED` (new content only), 403 `BANNED` or 403 `TIMED_OUT` (with `until`).
 */
export async function requireParticipation(ctx: Ctx, req: FastifyRequest, eventId: string, kind: WriteKind = {}): Promise<{ auth: AuthState; state: EventInteraction }> {
  const auth = req.auth
  const c = await checkParticipation(ctx, eventId, auth?.user.id ?? null, kind)
  if (!c.ok) throw participationError(c, ctx.now())
  if (auth === null) throw new Error('unreachable: checked above')
  return { auth, state: c.state }
}
