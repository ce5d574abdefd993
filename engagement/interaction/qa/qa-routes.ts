// Q&A operations: askQuestion, listQuestions, upvoteQuestion, moderateQuestion.
import { Type } from 'typebox'
import { AskQuestionBody, ModerateQuestionBody, Question } from '../../../common/wire/interaction.ts'
import { EventParams, EventId } from '../../../common/wire/events.ts'
import { IdempotencyHeaders, ListQuestionsQuery, QuestionList, TalkId, UpvoteResult } from '../../../common/wire/talk.ts'
import type { App } from '../../platform/app-type.ts'
import type { Ctx } from '../../context.ts'
import { ApiError } from '../../platform/errors.ts'
import { errorResponses } from '../../platform/schemas.ts'
import { randomToken } from '../../platform/crypto.ts'
import { requireParticipation } from '../participation.ts'
import { findBlockedWord } from '../settings/blocked-words.ts'
import { requireModerator } from '../settings/moderator-access.ts'
import { enforceLimit } from '../chat/send-limits.ts'
import { tickWindows } from '../reactions/tick-windows.ts'
import { upvoteBatcher } from './upvote-batcher.ts'
import { insertQuestion, listQuestions, questionByClientKey, questionById, saveModeration, upvotedBy } from './questions.ts'
import { applyModeration, initialStatus, moderatorView, ownView, publicChange, publicView, type StoredQuestion } from './question-rules.ts'

const QuestionParams = Type.Object({ eventId: EventId, questionId: TalkId }, { additionalProperties: false })

/** Refusal of a text that contains a blocked word (chat and questions). */
export function blockedWordError(): ApiError {
  return new ApiError(422, 'BLOCKED_WORD', 'the text contains a word this event does not allow')
}

/** Refusal of a text that is only white space. */
export function emptyTextError(): ApiError {
  return new ApiError(400, 'EMPTY_TEXT', 'the text is empty')
}

const feedQuestion = (q: Question | null): { type: 'question'; question: Question } | null => (q === null ? null : { type: 'question', question: q })

/** askQuestion, listQuestions, upvoteQuestion, moderateQuestion. */
export function qaRoutes(app: App, ctx: Ctx): void {
  app.post(
    '/api/events/:eventId/questions',
    {
      schema: {
        operationId: 'askQuestion',
        tags: ['qa'],
        summary: 'Ask a question, optionally anonymous (the audience does not see who; moderators do). Waits for approval when pre-moderation is on.',
        params: EventParams,
        headers: IdempotencyHeaders,
        body: AskQuestionBody,
        response: { 200: Question, 201: Question, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { eventId } = req.params
      const { auth, state } = await requireParticipation(ctx, req, eventId, { newContent: true })
      if (findBlockedWord(state.filter, req.body.text) !== null) throw blockedWordError()
      const text = req.body.text.trim()
      if (text === '') throw emptyTextError()
      const clientKey = req.headers['idempotency-key'] ?? null
      // A retry under the same key answers with what was stored, without counting against the limit.
      if (clientKey !== null) {
        const prior = await questionByClientKey(ctx.db, auth.user.id, clientKey)
        if (prior !== null) return reply.code(200).send(ownView(prior))
      }
      await enforceLimit(ctx, { key: `rl:ask:${auth.user.id}`, windowMs: 60_000, limit: ctx.config.questionsPerAccountPerMin, message: 'one question at a time; wait a moment before asking again' })
      const draft: StoredQuestion = {
        id: `q_${randomToken(12)}`,
        eventId,
        userId: auth.user.id,
        authorName: auth.user.displayName,
        text,
        anonymous: req.body.anonymous ?? false,
        status: initialStatus(state.settings.qaPremoderation),
        pinned: false,
        answeredAtMs: null,
        upvotes: 0,
        createdAtMs: ctx.now(),
      }
      const { question, created } = await ctx.realtime.withFeed(eventId, async (q, append) => {
        const r = await insertQuestion(q, draft, clientKey)
        if (r.created) await append({ public: feedQuestion(publicView(r.question)), moderators: { type: 'question', question: moderatorView(r.question) } })
        return r
      })
      return reply.code(created ? 201 : 200).send(ownView(question))
    },
  )

  app.get(
    '/api/events/:eventId/questions',
    {
      schema: {
        operationId: 'listQuestions',
        tags: ['qa'],
        summary: 'Questions, pinned first, by top (upvotes, then older) or new. The audience sees approved ones (and its own pending); view=moderation shows all with authors.',
        params: EventParams,
        querystring: ListQuestionsQuery,
        response: { 200: QuestionList, ...errorResponses },
      },
    },
    async (req) => {
      const { eventId } = req.params
      const sort = req.query.sort ?? 'top'
      const limit = req.query.limit ?? 100
      const viewer = req.auth?.user.id ?? null
      let questions: Question[]
      if (req.query.view === 'moderation') {
        await requireModerator(ctx, req, eventId, 'qa.list_moderation')
        const statuses = req.query.status !== undefined ? [req.query.status] : (['pending', 'approved', 'rejected'] as const)
        questions = (await listQuestions(ctx.db, { eventId, statuses, sort, limit })).map(moderatorView)
      } else {
        const rows = await listQuestions(ctx.db, { eventId, statuses: ['approved'], alsoOwnOf: viewer, sort, limit })
        questions = rows.map((r) => publicView(r) ?? ownView(r))
        if (rows.length === 0) {
          const exists = await ctx.db.query('SELECT 1 FROM events WHERE id = $1', [eventId])
          if (exists.length === 0) throw new ApiError(404, 'EVENT_NOT_FOUND', `no event ${eventId}`)
        }
      }
      const upvoted = viewer === null ? [] : await upvotedBy(ctx.db, viewer, questions.map((q) => q.id))
      return { questions, upvoted }
    },
  )

  app.post(
    '/api/events/:eventId/questions/:questionId/upvotes',
    {
      schema: {
        operationId: 'upvoteQuestion',
        tags: ['qa'],
        summary: 'Upvote an approved question; one upvote per account (409 ALREADY_UPVOTED). Counts reach everyone once per tick as question.votes.',
        params: QuestionParams,
        response: { 201: UpvoteResult, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { eventId, questionId } = req.params
      const { auth } = await requireParticipation(ctx, req, eventId, { newContent: true })
      await enforceLimit(ctx, { key: `rl:upvote:${auth.user.id}`, windowMs: 60_000, limit: ctx.config.upvotesPerAccountPerMin, message: 'too many upvotes; wait a moment' })
      const question = await questionById(ctx.db, eventId, questionId)
      // Pending and rejected questions are not there for anyone who could upvote them.
      if (question === null || question.status !== 'approved') throw new ApiError(404, 'QUESTION_NOT_FOUND', 'no such question open for upvotes')
      const r = await upvoteBatcher(ctx).submit({ questionId, userId: auth.user.id, nowMs: ctx.now() })
      if (!r.ok) throw new ApiError(409, 'ALREADY_UPVOTED', 'you have already upvoted this question')
      tickWindows(ctx).noteUpvotes(eventId, questionId, r.upvotes)
      return reply.code(201).send({ questionId, upvotes: r.upvotes })
    },
  )

  app.post(
    '/api/events/:eventId/questions/:questionId/moderation',
    {
      schema: {
        operationId: 'moderateQuestion',
        tags: ['qa'],
        summary: 'Approve, reject, pin, unpin or mark answered (stamps answeredAt for the player). Moderators with a 2FA session; audited.',
        params: QuestionParams,
        body: ModerateQuestionBody,
        response: { 200: Question, ...errorResponses },
      },
    },
    async (req) => {
      const { eventId, questionId } = req.params
      const { action } = req.body
      const target = `${questionId}:${action}`
      await requireModerator(ctx, req, eventId, 'qa.moderate', target)
      const outcome = await ctx.realtime.withFeed(eventId, async (q, append) => {
        const before = await questionById(q, eventId, questionId, true)
        if (before === null) return { ok: false as const, code: 'QUESTION_NOT_FOUND' as const, message: 'no such question on this event' }
        const o = applyModeration(before, action, ctx.now())
        if (!o.ok) return o
        if (o.changed) {
          await saveModeration(q, o.next)
          await append({ public: feedQuestion(publicChange(before, o.next)), moderators: { type: 'question', question: moderatorView(o.next) } })
        }
        return o
      })
      if (!outcome.ok) {
        await ctx.audit(req, { action: 'qa.moderate', eventId, target, result: 'denied', detail: outcome.code })
        throw new ApiError(outcome.code === 'QUESTION_NOT_FOUND' ? 404 : 409, outcome.code, outcome.message)
      }
      await ctx.audit(req, { action: 'qa.moderate', eventId, target, result: 'ok', ...(outcome.changed ? {} : { detail: 'unchanged' }) })
      return moderatorView(outcome.next)
    },
  )
}
