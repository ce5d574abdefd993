// Poll REST operations: createPoll, openPoll, closePoll (hosts, medium tier, audited), getPoll, listPolls (public), votePoll.
import { randomBytes } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { CreatePollBody, Poll, VotePollBody } from '../../../common/wire/interaction.ts'
import { EventId } from '../../../common/wire/events.ts'
import type { App } from '../../platform/app-type.ts'
import type { Ctx } from '../../context.ts'
import { ApiError } from '../../platform/errors.ts'
import { Ok, errorResponses } from '../../platform/schemas.ts'
import { decide, type EventRole } from '../../accounts/access.ts'
import { requireEventAccess } from '../../accounts/access-guard.ts'
import { eventById } from '../../events/events.ts'
import { requireParticipation } from '../participation.ts'
import { checkCreate, newOptions, type PollRecord } from './poll-state.ts'
import { insertPoll, pollById, pollsOfEvent, transitionPoll } from './polls.ts'
import { closePollService, pollService, type VoteErrorCode } from './poll-service.ts'

/** Roles that manage an event's polls. */
export const POLL_HOST_ROLES: readonly EventRole[] = ['organizer', 'creator', 'moderator']

const PollId = Type.String({ pattern: '^[A-Za-z0-9_-]{8,40}$', description: 'poll id' })
const PollParams = Type.Object({ eventId: EventId, pollId: PollId }, { additionalProperties: false })
const EventOnly = Type.Object({ eventId: EventId }, { additionalProperties: false })

const VOTE_ERRORS: Record<VoteErrorCode, [number, string]> = {
  ALREADY_VOTED: [409, 'you have voted in this poll already'],
  POLL_NOT_FOUND: [404, 'no such poll in this event'],
  POLL_NOT_OPEN: [409, 'this poll is not taking votes'],
  UNKNOWN_OPTION: [400, 'this poll has no such option'],
  TOO_MANY_REQUESTS: [429, 'too many votes from this account; wait and try again'],
}

/** The REST error of a refused vote (also the socket `error` code and message). */
export function voteError(code: VoteErrorCode, retryAfterSec?: number): ApiError {
  const [status, message] = VOTE_ERRORS[code]
  return new ApiError(status, code, message, retryAfterSec !== undefined ? { retryAfterSec } : {})
}

/** True when the caller could manage this event's polls (so may see its drafts). */
function isHost(ctx: Ctx, req: FastifyRequest, eventId: string): boolean {
  const d = decide(req.auth?.principal ?? null, { tier: 'medium', eventId, roles: POLL_HOST_ROLES }, ctx.now(), ctx.config.stepUpMaxAgeSec * 1000)
  return d.ok
}

/** createPoll, openPoll, closePoll, getPoll, listPolls, votePoll. */
export function pollRoutes(app: App, ctx: Ctx): void {
  const polls = pollService(ctx)
  // Before the database and kv close (onClose): queued votes are stored, the last counts reported.
  app.addHook('preClose', () => closePollService(ctx))

  const notFound = (pollId: string): ApiError => new ApiError(404, 'POLL_NOT_FOUND', `no poll ${pollId} in this event`)

  app.post(
    '/api/events/:eventId/polls',
    {
      schema: {
        operationId: 'createPoll',
        tags: ['polls'],
        summary: 'Create a draft poll (2–10 options, optional duration). Hosts of the event; medium sensitivity.',
        params: EventOnly,
        body: CreatePollBody,
        response: { 201: Poll, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { eventId } = req.params
      const { auth } = await requireEventAccess(ctx, req, { eventId, tier: 'medium', roles: POLL_HOST_ROLES, action: 'poll.create' })
      const checked = checkCreate(req.body.question, req.body.options)
      if (!checked.ok) {
        throw new ApiError(400, checked.error, checked.error === 'EMPTY_TEXT' ? 'the question and every option need some text' : 'two options read the same')
      }
      const poll: PollRecord = {
        id: randomBytes(9).toString('base64url'),
        eventId,
        question: checked.question,
        options: newOptions(checked.options),
        status: 'draft',
        audience: req.body.audience ?? 'everyone',
        durationSec: req.body.durationSec ?? null,
        openedAtMs: null,
        closesAtMs: null,
        closedAtMs: null,
        finalizedAtMs: null,
        finalCounts: null,
        createdBy: auth.user.id,
        createdAtMs: ctx.now(),
      }
      await insertPoll(ctx.db, poll)
      await ctx.audit(req, { action: 'poll.create', eventId, target: poll.id, result: 'ok' })
      return reply.code(201).send(await polls.publish(poll))
    },
  )

  for (const action of ['open', 'close'] as const) {
    app.post(
      `/api/events/:eventId/polls/:pollId/${action}`,
      {
        schema: {
          operationId: action === 'open' ? 'openPoll' : 'closePoll',
          tags: ['polls'],
          summary:
            action === 'open'
              ? 'Open a draft: votes start, the countdown runs, the audience sees it (stamped openedAt). Again: no change. Hosts; medium.'
              : 'Close an open poll (stamped closedAt); votes are still taken for the grace, then counts are final. Again: no change. Hosts; medium.',
          params: PollParams,
          response: { 200: Poll, ...errorResponses },
        },
      },
      async (req) => {
        const { eventId, pollId } = req.params
        const audit = `poll.${action}`
        await requireEventAccess(ctx, req, { eventId, tier: 'medium', roles: POLL_HOST_ROLES, action: audit, target: pollId })
        const t = await transitionPoll(ctx.db, eventId, pollId, action, ctx.now())
        if (!t.ok) {
          await ctx.audit(req, { action: audit, eventId, target: pollId, result: 'denied', detail: t.error })
          if (t.error === 'POLL_NOT_FOUND') throw notFound(pollId)
          throw t.error === 'POLL_CLOSED'
            ? new ApiError(409, 'POLL_CLOSED', 'this poll has been closed; polls are never reopened')
            : new ApiError(409, 'POLL_NOT_OPEN', 'this poll is a draft; open it first')
        }
        await ctx.audit(req, { action: audit, eventId, target: pollId, result: 'ok', ...(t.changed ? {} : { detail: 'unchanged' }) })
        return t.changed ? polls.publish(t.poll) : polls.view(t.poll)
      },
    )
  }

  app.get(
    '/api/events/:eventId/polls/:pollId',
    {
      schema: {
        operationId: 'getPoll',
        tags: ['polls'],
        summary: 'The poll object (live counts while it runs, exact ones once final). Drafts: hosts only.',
        params: PollParams,
        response: { 200: Poll, ...errorResponses },
      },
    },
    async (req) => {
      const { eventId, pollId } = req.params
      const p = await pollById(ctx.db, pollId)
      if (p?.eventId !== eventId || (p.status === 'draft' && !isHost(ctx, req, eventId))) throw notFound(pollId)
      return polls.view(p)
    },
  )

  app.get(
    '/api/events/:eventId/polls',
    {
      schema: {
        operationId: 'listPolls',
        tags: ['polls'],
        summary: "The event's polls, newest first (drafts for its hosts only)",
        params: EventOnly,
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ polls: Type.Array(Poll) }), ...errorResponses },
      },
    },
    async (req) => {
      const { eventId } = req.params
      if ((await eventById(ctx.db, eventId)) === null) throw new ApiError(404, 'EVENT_NOT_FOUND', `no event ${eventId}`)
      const rows = await pollsOfEvent(ctx.db, eventId, { drafts: isHost(ctx, req, eventId), limit: req.query.limit ?? 20 })
      return { polls: await polls.views(rows) }
    },
  )

  app.post(
    '/api/events/:eventId/polls/:pollId/votes',
    {
      schema: {
        operationId: 'votePoll',
        tags: ['polls'],
        summary: 'Vote once per account: 201 once stored (durable), 409 ALREADY_VOTED, 409 POLL_NOT_OPEN, 404 POLL_NOT_FOUND, 400 UNKNOWN_OPTION',
        params: PollParams,
        body: VotePollBody,
        response: { 201: Ok, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { eventId, pollId } = req.params
      const { auth } = await requireParticipation(ctx, req, eventId)
      let outcome
      try {
        outcome = await polls.vote({ eventId, pollId, userId: auth.user.id, optionId: req.body.optionId })
      } catch (err) {
        req.log.error({ err }, 'vote batch failed')
        throw new ApiError(503, 'VOTE_NOT_STORED', 'the vote could not be stored; try again')
      }
      if (!outcome.ok) throw voteError(outcome.code, outcome.code === 'TOO_MANY_REQUESTS' ? outcome.retryAfterSec : undefined)
      return reply.code(201).send({ ok: true })
    },
  )
}
