import { Type } from 'typebox'
import type { App } from '../app-type.ts'
import type { Ctx } from '../../context.ts'
import { eventById, insertEvent, listEvents } from '../../data/events.ts'
import { grantEventRole, userByEmail } from '../../data/users.ts'
import { ApiError } from '../../plugins/errors.ts'
import { Email, EventId, EventParams, EventRoleT, EventView, Ok, errorResponses } from '../schemas.ts'
import { requireEventAccess, requireMfaSession } from '../guard.ts'

/** createEvent, getEvent, listEvents, grantRole. */
export function eventRoutes(app: App, ctx: Ctx): void {
  app.post(
    '/api/events',
    {
      schema: {
        operationId: 'createEvent',
        tags: ['events'],
        summary: 'Create an event; the caller becomes its organizer (needs 2FA)',
        body: Type.Object(
          {
            id: EventId,
            title: Type.String({ minLength: 1, maxLength: 200 }),
            description: Type.Optional(Type.String({ maxLength: 5000 })),
            startsAt: Type.Optional(Type.String({ format: 'date-time' })),
            free: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 201: EventView, ...errorResponses },
      },
    },
    async (req, reply) => {
      const auth = requireMfaSession(ctx, req)
      const b = req.body
      const created = await ctx.db.tx(async (q) => {
        const ok = await insertEvent(q, { id: b.id, title: b.title, description: b.description ?? '', startsAt: b.startsAt ?? null, free: b.free ?? true, createdBy: auth.user.id })
        if (ok) await grantEventRole(q, auth.user.id, b.id, 'organizer')
        return ok
      })
      if (!created) throw new ApiError(409, 'EVENT_EXISTS', `event id ${b.id} is taken`)
      await ctx.audit(req, { action: 'event.create', eventId: b.id, target: b.id, result: 'ok' })
      const event = await eventById(ctx.db, b.id)
      if (event === null) throw new Error('event vanished after insert')
      return reply.code(201).send(event)
    },
  )

  app.get(
    '/api/events/:eventId',
    { schema: { operationId: 'getEvent', tags: ['events'], summary: 'Public event details', params: EventParams, response: { 200: EventView, ...errorResponses } } },
    async (req) => {
      const event = await eventById(ctx.db, req.params.eventId)
      if (event === null) throw new ApiError(404, 'EVENT_NOT_FOUND', `no event ${req.params.eventId}`)
      return event
    },
  )

  app.get(
    '/api/events',
    {
      schema: {
        operationId: 'listEvents',
        tags: ['events'],
        summary: 'Public list of events, newest first',
        querystring: Type.Object(
          {
            status: Type.Optional(Type.Union([Type.Literal('scheduled'), Type.Literal('live'), Type.Literal('ended')])),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ events: Type.Array(EventView) }), ...errorResponses },
      },
    },
    async (req) => ({ events: await listEvents(ctx.db, { status: req.query.status, limit: req.query.limit ?? 50 }) }),
  )

  app.post(
    '/api/events/:eventId/roles',
    {
      schema: {
        operationId: 'grantRole',
        tags: ['events'],
        summary: 'Organizer grants a role on the event to a registered user',
        params: EventParams,
        body: Type.Object({ email: Email, role: EventRoleT }, { additionalProperties: false }),
        response: { 200: Ok, ...errorResponses },
      },
    },
    async (req) => {
      const { eventId } = req.params
      await requireEventAccess(ctx, req, { eventId, tier: 'medium', roles: ['organizer'], action: 'event.grant_role' })
      const user = await userByEmail(ctx.db, req.body.email)
      if (user === null) throw new ApiError(404, 'USER_NOT_FOUND', 'no account can take that role')
      await grantEventRole(ctx.db, user.id, eventId, req.body.role)
      await ctx.audit(req, { action: 'event.grant_role', eventId, target: `${user.id}:${req.body.role}`, result: 'ok' })
      return { ok: true }
    },
  )
}
