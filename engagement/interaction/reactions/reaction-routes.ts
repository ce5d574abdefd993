// Reactions: the `react` REST operation and the socket `react` handler share one path into this instance's tally.
import type { Static } from 'typebox'
import { EventParams } from '../../../common/wire/events.ts'
import type { ErrorMsg, ReactMsg } from '../../../common/wire/realtime.ts'
import { ReactBody } from '../../../common/wire/talk.ts'
import type { App } from '../../platform/app-type.ts'
import type { Ctx } from '../../context.ts'
import { ApiError } from '../../platform/errors.ts'
import { Ok, errorResponses } from '../../platform/schemas.ts'
import type { RealtimeConn } from '../../realtime/types.ts'
import { checkParticipation, participationError, participationErrorMsg } from '../participation.ts'
import { countAttempt } from '../chat/send-limits.ts'
import { retryAfterSec } from '../chat/send-window.ts'
import { tickWindows } from './tick-windows.ts'

/** Outcome of {@link acceptReaction}: the refusal is the REST error (the socket sends its code and message). */
export type ReactOutcome = { ok: true } | { ok: false; error: ApiError }

/**
 * Takes `count` taps on `emoji` by `userId` on the event: the participation check, the per-account
 * frame limit over all instances (kv), then into the in-memory tally that the next tick merges.
 */
export async function acceptReaction(ctx: Ctx, eventId: string, userId: string | null, emoji: string, count: number): Promise<ReactOutcome> {
  const p = await checkParticipation(ctx, eventId, userId, { newContent: true })
  if (!p.ok) return { ok: false, error: participationError(p, ctx.now()) }
  const d = await countAttempt(ctx, `rl:react:${userId ?? ''}`, 10_000, ctx.config.reactionFramesPerAccountPer10s)
  if (!d.ok) return { ok: false, error: new ApiError(429, 'TOO_MANY_REQUESTS', 'too many reactions; slow down', { retryAfterSec: retryAfterSec(d.retryAfterMs) }) }
  tickWindows(ctx).reactions.add(eventId, emoji, count)
  return { ok: true }
}

/** The socket handler (`GatewayHooks.onReact`): silent on success, an `error` frame on refusal. */
export async function onReactFrame(ctx: Ctx, conn: RealtimeConn, msg: ReactMsg): Promise<Static<typeof ErrorMsg> | null> {
  if (conn.userId === null) return participationErrorMsg({ ok: false, status: 401, code: 'UNAUTHENTICATED' })
  const r = await acceptReaction(ctx, conn.eventId, conn.userId, msg.emoji, msg.count ?? 1)
  return r.ok ? null : { type: 'error', code: r.error.code, message: r.error.message }
}

/** react. */
export function reactionRoutes(app: App, ctx: Ctx): void {
  app.post(
    '/api/events/:eventId/reactions',
    {
      schema: {
        operationId: 'react',
        tags: ['reactions'],
        summary: 'Send taps on one emoji of the fixed set; everyone gets one merged `reactions` burst per tick, never one message per tap.',
        params: EventParams,
        body: ReactBody,
        response: { 202: Ok, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { eventId } = req.params
      const r = await acceptReaction(ctx, eventId, req.auth?.user.id ?? null, req.body.emoji, req.body.count ?? 1)
      if (!r.ok) throw r.error
      return reply.code(202).send({ ok: true })
    },
  )
}
