import { Type } from 'typebox'
import type { App } from '../platform/app-type.ts'
import type { Ctx } from '../context.ts'
import { eventById, insertEvent, listEvents } from './events.ts'
import { grantEventRole, revokeEventRole, rolesOfEvent, userByEmail } from '../accounts/users.ts'
import { ApiError } from '../platform/errors.ts'
import { Ok, errorResponses } from '../platform/schemas.ts'
import { EventId, EventParams, EventStatus, EventView } from '../../common/wire/events.ts'
import { Email, EventRole } from '../../common/wire/accounts.ts'
import { requireEventAccess, requireMfaSession } from '../accounts/access-guard.ts'

const UserIdParam = Type.String({ pattern: '^[A-Za-z0-9_-]{8,40}$', description: 'user id' })

/** createEvent, getEvent, listEvents, listEventRoles, grantRole, revokeEventRole. */
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
            status: Type.Optional(EventStatus),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ events: Type.Array(EventView) }), ...errorResponses },
      },
    },
    async (req) => ({ events: await listEvents(ctx.db, { status: req.query.status, limit: req.query.limit ?? 50 }) }),
  )

  app.get(
    '/api/events/:eventId/roles',
    {
      schema: {
        operationId: 'listEventRoles',
        tags: ['events'],
        summary: 'Who holds which role on the event (organizers; medium: role and 2FA)',
        params: EventParams,
        response: { 200: Type.Object({ roles: Type.Array(Type.Object({ userId: Type.String(), email: Type.String(), role: EventRole })) }), ...errorResponses },
      },
    },
    async (req) => {
      const { eventId } = req.params
      await requireEventAccess(ctx, req, { eventId, tier: 'medium', roles: ['organizer'], action: 'event.list_roles' })
      return { roles: await rolesOfEvent(ctx.db, eventId) }
    },
  )

  app.post(
    '/api/events/:eventId/roles',
    {
      schema: {
        operationId: 'grantRole',
        tags: ['events'],
        summary: 'Organizer grants a role on the event to a registered user. High sensitivity.',
        params: EventParams,
        body: Type.Object({ email: Email, role: EventRole }, { additionalProperties: false }),
        response: { 200: Ok, ...errorResponses },
      },
    },
    async (req) => {
      const { eventId } = req.params
      // Handing out roles hands out their powers (stream keys, going live): as sensitive as using them.
      await requireEventAccess(ctx, req, { eventId, tier: 'high', roles: ['organizer'], action: 'event.grant_role', target: req.body.role })
      const user = await userByEmail(ctx.db, req.body.email)
      if (user === null) {
        await ctx.audit(req, { action: 'event.grant_role', eventId, target: req.body.role, result: 'denied', detail: 'USER_NOT_FOUND' })
        throw new ApiError(404, 'USER_NOT_FOUND', 'no account can take that role')
      }
      await grantEventRole(ctx.db, user.id, eventId, req.body.role)
      await ctx.audit(req, { action: 'event.grant_role', eventId, target: `${user.id}:${req.body.role}`, result: 'ok' })
      return { ok: true }
    },
  )

  app.delete(
    '/api/events/:eventId/roles/:userId/:role',
    {
      schema: {
        operationId: 'revokeEventRole',
        tags: ['events'],
        summary: 'Organizer takes a role on the event away; the last organizer cannot be removed. High sensitivity.',
        params: Type.Object({ eventId: EventId, userId: UserIdParam, role: EventRole }, { additionalProperties: false }),
        response: { 200: Ok, ...errorResponses },
      },
    },
    async (req) => {
      const { eventId, userId, role } = req.params
      const target = `${userId}:${role}`
      await requireEventAccess(ctx, req, { eventId, tier: 'high', roles: ['organizer'], action: 'event.revoke_role', target })
      const result = await ctx.db.tx((q) => revokeEventRole(q, userId, eventId, role))
      if (result !== 'ok') {
        await ctx.audit(req, { action: 'event.revoke_role', eventId, target, result: 'denied', detail: result })
        if (result === 'LAST_ORGANIZER') throw new ApiError(409, 'LAST_ORGANIZER', 'an event needs at least one organizer; grant the role to someone else first')
        throw new ApiError(404, 'ROLE_NOT_FOUND', 'that user does not hold that role on this event')
      }
      await ctx.audit(req, { action: 'event.revoke_role', eventId, target, result: 'ok' })
      return { ok: true }
    },
  )
}
