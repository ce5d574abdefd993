import { Type } from 'typebox'
import type { App } from '../platform/app-type.ts'
import type { Ctx } from '../context.ts'
import { listAudit } from './audit-entries.ts'
import { hasEventRole } from '../accounts/access.ts'
import { ApiError } from '../platform/errors.ts'
import { errorResponses } from '../platform/schemas.ts'
import { EventId } from '../../common/wire/events.ts'
import { accessError, requireMfaSession } from '../accounts/access-guard.ts'

const Entry = Type.Object({
  id: Type.String(),
  at: Type.String(),
  actorId: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  eventId: Type.Union([Type.String(), Type.Null()]),
  target: Type.String(),
  ip: Type.String(),
  result: Type.String(),
  detail: Type.String(),
})

/** listAuditLog: organizers for their events, admins for everything. */
export function auditRoutes(app: App, ctx: Ctx): void {
  app.get(
    '/api/audit',
    {
      schema: {
        operationId: 'listAuditLog',
        tags: ['audit'],
        summary: 'Audit entries, newest first. Organizers must name one of their events; admins may omit eventId.',
        querystring: Type.Object(
          { eventId: Type.Optional(EventId), before: Type.Optional(Type.Integer({ minimum: 1 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ entries: Type.Array(Entry) }), ...errorResponses },
      },
    },
    async (req) => {
      const auth = requireMfaSession(ctx, req)
      const { eventId, before, limit } = req.query
      if (eventId === undefined && !auth.user.isAdmin) throw new ApiError(400, 'VALIDATION', 'querystring: eventId is required unless you are an admin')
      if (eventId !== undefined && !hasEventRole(auth.principal, eventId, ['organizer'])) throw accessError(ctx, 403, 'FORBIDDEN')
      const entries = await listAudit(ctx.db, { eventIds: eventId === undefined ? undefined : [eventId], beforeId: before, limit: limit ?? 100 })
      return { entries }
    },
  )
}
