// Viewer chat operations: sendChatMessage, listChatMessages, reportChatMessage.
import { Type } from 'typebox'
import { SendChatBody } from '../../../common/wire/interaction.ts'
import { EventId, EventParams } from '../../../common/wire/events.ts'
import { ChatPage, IdempotencyHeaders, ListChatQuery, ReportChatBody, SequencedChatMessage, TalkId } from '../../../common/wire/talk.ts'
import type { App } from '../../platform/app-type.ts'
import type { Ctx } from '../../context.ts'
import { ApiError } from '../../platform/errors.ts'
import { Ok, errorResponses } from '../../platform/schemas.ts'
import { randomToken } from '../../platform/crypto.ts'
import { requireParticipation } from '../participation.ts'
import { findBlockedWord } from '../settings/blocked-words.ts'
import { holdsModeratorRole } from '../settings/moderator-access.ts'
import { blockedWordError, emptyTextError } from '../qa/qa-routes.ts'
import { checkSlowMode, claimSlowMode, enforceLimit } from './send-limits.ts'
import { insertMessage, insertReport, messageByClientKey, messageById, messageView, recentMessages, type StoredMessage } from './chat-messages.ts'

/** Path of one message. */
export const MessageParams = Type.Object({ eventId: EventId, messageId: TalkId }, { additionalProperties: false })

class ClientKeyTaken extends Error {}

/** sendChatMessage, listChatMessages, reportChatMessage. */
export function chatRoutes(app: App, ctx: Ctx): void {
  app.post(
    '/api/events/:eventId/chat/messages',
    {
      schema: {
        operationId: 'sendChatMessage',
        tags: ['chat'],
        summary: 'Send a chat message (≤ 500 characters). Refused: blocked word 422, slow mode 429 SLOW_MODE, 20 per 30 s 429, banned or timed out 403, event ended 409 EVENT_ENDED.',
        params: EventParams,
        headers: IdempotencyHeaders,
        body: SendChatBody,
        response: { 200: SequencedChatMessage, 201: SequencedChatMessage, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { eventId } = req.params
      const { auth, state } = await requireParticipation(ctx, req, eventId, { newContent: true })
      const text = req.body.text.trim()
      if (text === '') throw emptyTextError()
      if (findBlockedWord(state.filter, text) !== null) throw blockedWordError()
      const userId = auth.user.id
      const clientKey = req.headers['idempotency-key'] ?? null
      if (clientKey !== null) {
        const prior = await messageByClientKey(ctx.db, userId, clientKey)
        if (prior !== null) return reply.code(200).send({ seq: prior.seq, message: messageView(prior) })
      }
      const moderator = holdsModeratorRole(auth, eventId)
      const slow = moderator ? 0 : state.settings.slowModeSec
      const seen = await checkSlowMode(ctx, eventId, userId, slow)
      await enforceLimit(ctx, {
        key: `rl:chat:${userId}`,
        windowMs: 30_000,
        limit: moderator ? ctx.config.chatMessagesPerModeratorPer30s : ctx.config.chatMessagesPerAccountPer30s,
        message: 'too many messages; wait a moment',
      })
      await claimSlowMode(ctx, eventId, userId, slow, seen)
      const draft: StoredMessage = { id: `m_${randomToken(12)}`, eventId, seq: 0, userId, authorName: auth.user.displayName, text, createdAtMs: ctx.now(), deletedAtMs: null }
      const message = messageView(draft)
      try {
        const seq = await ctx.realtime.withFeed(eventId, async (q, append) => {
          const s = await append({ public: { type: 'chat', message }, moderators: { type: 'chat', message } })
          if (!(await insertMessage(q, { ...draft, seq: s }, clientKey))) throw new ClientKeyTaken()
          return s
        })
        return reply.code(201).send({ seq, message })
      } catch (err) {
        if (!(err instanceof ClientKeyTaken) || clientKey === null) throw err
        // A concurrent retry under the same key won; answer with its message.
        const prior = await messageByClientKey(ctx.db, userId, clientKey)
        if (prior === null) throw err
        return reply.code(200).send({ seq: prior.seq, message: messageView(prior) })
      }
    },
  )

  app.get(
    '/api/events/:eventId/chat/messages',
    {
      schema: {
        operationId: 'listChatMessages',
        tags: ['chat'],
        summary: 'Recent chat, oldest first; page back with before=<nextBefore>. Live messages come over the gateway.',
        params: EventParams,
        querystring: ListChatQuery,
        response: { 200: ChatPage, ...errorResponses },
      },
    },
    async (req) => {
      const { eventId } = req.params
      const limit = req.query.limit ?? 50
      const rows = await recentMessages(ctx.db, eventId, req.query.before ?? null, limit + 1)
      if (rows.length === 0) {
        const exists = await ctx.db.query('SELECT 1 FROM events WHERE id = $1', [eventId])
        if (exists.length === 0) throw new ApiError(404, 'EVENT_NOT_FOUND', `no event ${eventId}`)
      }
      const page = rows.length > limit ? rows.slice(rows.length - limit) : rows
      return { messages: page.map((m) => ({ seq: m.seq, message: messageView(m) })), nextBefore: rows.length > limit ? (page[0]?.seq ?? null) : null }
    },
  )

  app.post(
    '/api/events/:eventId/chat/messages/:messageId/reports',
    {
      schema: {
        operationId: 'reportChatMessage',
        tags: ['chat'],
        summary: "Report a message to the event's moderators; one report per account per message (409 ALREADY_REPORTED).",
        params: MessageParams,
        body: ReportChatBody,
        response: { 201: Ok, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { eventId, messageId } = req.params
      const { auth } = await requireParticipation(ctx, req, eventId)
      await enforceLimit(ctx, { key: `rl:report:${auth.user.id}`, windowMs: 3_600_000, limit: ctx.config.chatReportsPerAccountPerHour, message: 'too many reports; moderators will look at the ones you sent' })
      const reason = (req.body.reason ?? '').trim()
      const outcome = await ctx.realtime.withFeed(eventId, async (q, append) => {
        const m = await messageById(q, eventId, messageId)
        if (m === null || m.deletedAtMs !== null) return 'MESSAGE_NOT_FOUND' as const
        if (!(await insertReport(q, { messageId, userId: auth.user.id, eventId, reason, nowMs: ctx.now() }))) return 'ALREADY_REPORTED' as const
        await append({ public: null, moderators: { type: 'moderation', action: 'report', messageId, userId: m.userId, ...(reason !== '' ? { reason } : {}) } })
        return 'ok' as const
      })
      if (outcome === 'MESSAGE_NOT_FOUND') throw new ApiError(404, outcome, 'no such message on this event')
      if (outcome === 'ALREADY_REPORTED') throw new ApiError(409, outcome, 'you have already reported this message')
      return reply.code(201).send({ ok: true })
    },
  )
}
