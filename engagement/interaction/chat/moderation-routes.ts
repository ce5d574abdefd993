// Chat moderation operations: deleteChatMessage, timeoutUser, banUser, unbanUser, listChatReports (medium sensitivity, audited).
import { Type } from 'typebox'
import { EventId, EventParams } from '../../../common/wire/events.ts'
import { BanUserBody, ChatReportList, ListReportsQuery, TalkId, TimeoutResult, TimeoutUserBody } from '../../../common/wire/talk.ts'
import type { FastifyRequest } from 'fastify'
import type { App } from '../../platform/app-type.ts'
import type { Ctx } from '../../context.ts'
import { ApiError } from '../../platform/errors.ts'
import { Ok, errorResponses } from '../../platform/schemas.ts'
import { hasEventRole } from '../../accounts/access.ts'
import { eventRoles, userById } from '../../accounts/users.ts'
import { MODERATOR_ROLES, requireModerator } from '../settings/moderator-access.ts'
import { eventStates } from '../settings/event-state.ts'
import { liftRestriction, putBan, putTimeout } from './restrictions.ts'
import { listReports, markDeleted, messageById, messageView } from './chat-messages.ts'
import { MessageParams } from './chat-routes.ts'

/** Refuses acting on an unknown user or on one who moderates the event (moderators cannot silence each other). */
async function checkTarget(ctx: Ctx, req: FastifyRequest, eventId: string, userId: string, action: string): Promise<void> {
  const user = await userById(ctx.db, userId)
  const refuse = async (status: number, code: string, message: string): Promise<never> => {
    await ctx.audit(req, { action, eventId, target: userId, result: 'denied', detail: code })
    throw new ApiError(status, code, message)
  }
  if (user === null) return refuse(404, 'USER_NOT_FOUND', 'no such user')
  const roles = await eventRoles(ctx.db, userId)
  if (user.isAdmin || hasEventRole({ userId, isAdmin: false, totpEnabled: true, eventRoles: roles, mfaAtMs: 0 }, eventId, MODERATOR_ROLES)) {
    return refuse(409, 'TARGET_IS_MODERATOR', 'moderators of this event cannot be timed out or banned')
  }
}

/** deleteChatMessage, timeoutUser, banUser, unbanUser, listChatReports. */
export function moderationRoutes(app: App, ctx: Ctx): void {
  app.delete(
    '/api/events/:eventId/chat/messages/:messageId',
    {
      schema: {
        operationId: 'deleteChatMessage',
        tags: ['chat moderation'],
        summary: 'Delete a message for everyone (a chat.deleted item). Moderators with a 2FA session; audited.',
        params: MessageParams,
        response: { 200: Ok, ...errorResponses },
      },
    },
    async (req) => {
      const { eventId, messageId } = req.params
      const auth = await requireModerator(ctx, req, eventId, 'chat.delete', messageId)
      const found = await ctx.realtime.withFeed(eventId, async (q, append) => {
        const m = await messageById(q, eventId, messageId, true)
        if (m === null) return false
        // Deleting twice is a no-op, not a second item.
        if (m.deletedAtMs !== null) return true
        await markDeleted(q, messageId, auth.user.id, ctx.now())
        const item = { type: 'chat.deleted' as const, messageId }
        await append({ public: item, moderators: item })
        return true
      })
      if (!found) {
        await ctx.audit(req, { action: 'chat.delete', eventId, target: messageId, result: 'denied', detail: 'MESSAGE_NOT_FOUND' })
        throw new ApiError(404, 'MESSAGE_NOT_FOUND', 'no such message on this event')
      }
      await ctx.audit(req, { action: 'chat.delete', eventId, target: messageId, result: 'ok' })
      return { ok: true }
    },
  )

  app.post(
    '/api/events/:eventId/chat/timeouts',
    {
      schema: {
        operationId: 'timeoutUser',
        tags: ['chat moderation'],
        summary: "Time a user out of the event's chat, Q&A, polls and reactions for 10 s to 24 h (replaces an earlier timeout; a ban stays).",
        params: EventParams,
        body: TimeoutUserBody,
        response: { 200: TimeoutResult, ...errorResponses },
      },
    },
    async (req) => {
      const { eventId } = req.params
      const { userId, durationSec } = req.body
      const reason = (req.body.reason ?? '').trim()
      const auth = await requireModerator(ctx, req, eventId, 'chat.timeout', userId)
      await checkTarget(ctx, req, eventId, userId, 'chat.timeout')
      const now = ctx.now()
      const untilMs = now + durationSec * 1000
      const until = new Date(untilMs).toISOString()
      const applied = await ctx.realtime.withFeed(eventId, async (q, append) => {
        if (!(await putTimeout(q, { eventId, userId, untilMs, reason, by: auth.user.id, nowMs: now }))) return false
        const item = { type: 'moderation' as const, action: 'timeout' as const, userId, until }
        await append({ public: item, moderators: { ...item, ...(reason !== '' ? { reason } : {}) } })
        return true
      })
      if (!applied) {
        await ctx.audit(req, { action: 'chat.timeout', eventId, target: userId, result: 'denied', detail: 'USER_BANNED' })
        throw new ApiError(409, 'USER_BANNED', 'the user is banned; a timeout would not shorten that')
      }
      await eventStates(ctx).changed(eventId)
      await ctx.audit(req, { action: 'chat.timeout', eventId, target: userId, result: 'ok', detail: `${String(durationSec)}s` })
      return { userId, until }
    },
  )

  app.post(
    '/api/events/:eventId/chat/bans',
    {
      schema: {
        operationId: 'banUser',
        tags: ['chat moderation'],
        summary: "Ban a user from the event's chat, Q&A, polls and reactions until unbanned.",
        params: EventParams,
        body: BanUserBody,
        response: { 200: Ok, ...errorResponses },
      },
    },
    async (req) => {
      const { eventId } = req.params
      const { userId } = req.body
      const reason = (req.body.reason ?? '').trim()
      const auth = await requireModerator(ctx, req, eventId, 'chat.ban', userId)
      await checkTarget(ctx, req, eventId, userId, 'chat.ban')
      const applied = await ctx.realtime.withFeed(eventId, async (q, append) => {
        if (!(await putBan(q, { eventId, userId, reason, by: auth.user.id, nowMs: ctx.now() }))) return false
        const item = { type: 'moderation' as const, action: 'ban' as const, userId }
        await append({ public: item, moderators: { ...item, ...(reason !== '' ? { reason } : {}) } })
        return true
      })
      if (!applied) {
        await ctx.audit(req, { action: 'chat.ban', eventId, target: userId, result: 'denied', detail: 'ALREADY_BANNED' })
        throw new ApiError(409, 'ALREADY_BANNED', 'the user is already banned')
      }
      await eventStates(ctx).changed(eventId)
      await ctx.audit(req, { action: 'chat.ban', eventId, target: userId, result: 'ok' })
      return { ok: true }
    },
  )

  app.delete(
    '/api/events/:eventId/chat/bans/:userId',
    {
      schema: {
        operationId: 'unbanUser',
        tags: ['chat moderation'],
        summary: 'Lift a ban or a timeout still in force.',
        params: Type.Object({ eventId: EventId, userId: TalkId }, { additionalProperties: false }),
        response: { 200: Ok, ...errorResponses },
      },
    },
    async (req) => {
      const { eventId, userId } = req.params
      await requireModerator(ctx, req, eventId, 'chat.unban', userId)
      const lifted = await ctx.realtime.withFeed(eventId, async (q, append) => {
        if (!(await liftRestriction(q, eventId, userId, ctx.now()))) return false
        const item = { type: 'moderation' as const, action: 'unban' as const, userId }
        await append({ public: item, moderators: item })
        return true
      })
      if (!lifted) {
        await ctx.audit(req, { action: 'chat.unban', eventId, target: userId, result: 'denied', detail: 'NOT_RESTRICTED' })
        throw new ApiError(404, 'NOT_RESTRICTED', 'the user is neither banned nor timed out on this event')
      }
      await eventStates(ctx).changed(eventId)
      await ctx.audit(req, { action: 'chat.unban', eventId, target: userId, result: 'ok' })
      return { ok: true }
    },
  )

  app.get(
    '/api/events/:eventId/chat/reports',
    {
      schema: {
        operationId: 'listChatReports',
        tags: ['chat moderation'],
        summary: 'Reports on chat messages, newest first (by default only on messages still shown). Moderators with a 2FA session.',
        params: EventParams,
        querystring: ListReportsQuery,
        response: { 200: ChatReportList, ...errorResponses },
      },
    },
    async (req) => {
      const { eventId } = req.params
      await requireModerator(ctx, req, eventId, 'chat.list_reports')
      const rows = await listReports(ctx.db, eventId, { openOnly: req.query.all !== true, limit: req.query.limit ?? 100 })
      return {
        reports: rows.map((r) => ({
          message: messageView(r.message),
          messageDeleted: r.message.deletedAtMs !== null,
          reporter: { userId: r.reporterId, displayName: r.reporterName },
          reason: r.reason,
          createdAt: new Date(r.createdAtMs).toISOString(),
        })),
      }
    },
  )
}
