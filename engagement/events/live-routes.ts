import { Type } from 'typebox'
import type { App } from '../platform/app-type.ts'
import type { Ctx } from '../context.ts'
import { setEventStatus } from './events.ts'
import { ApiError } from '../platform/errors.ts'
import { errorResponses } from '../platform/schemas.ts'
import { EventParams, EventView } from '../../common/wire/events.ts'
import { requireEventAccess } from '../accounts/access-guard.ts'
import { eventStates } from '../interaction/settings/event-state.ts'

const ROLES = ['creator', 'organizer'] as const

/** startStream, endStream. */
export function liveRoutes(app: App, ctx: Ctx): void {
  app.post(
    '/api/events/:eventId/start',
    {
      schema: {
        operationId: 'startStream',
        tags: ['live'],
        summary: 'Mark the event live so its stream keys may publish. High sensitivity.',
        params: EventParams,
        response: { 200: Type.Object({ event: EventView }), ...errorResponses },
      },
    },
    async (req) => {
      const { eventId } = req.params
      const { event } = await requireEventAccess(ctx, req, { eventId, tier: 'high', roles: ROLES, action: 'stream.start' })
      if (event.status === 'ended') throw new ApiError(409, 'EVENT_ENDED', 'this event has ended; create a new one')
      const next = await setEventStatus(ctx.db, eventId, 'live')
      if (next === null) throw new ApiError(404, 'EVENT_NOT_FOUND', `no event ${eventId}`)
      await ctx.audit(req, { action: 'stream.start', eventId, target: eventId, result: 'ok' })
      return { event: next }
    },
  )

  app.post(
    '/api/events/:eventId/end',
    {
      schema: {
        operationId: 'endStream',
        tags: ['live'],
        summary: 'End the event: ingest is refused and the origin is told to stop and end its playlists. High sensitivity.',
        params: EventParams,
        response: { 200: Type.Object({ event: EventView, originStopped: Type.Boolean() }), ...errorResponses },
      },
    },
    async (req) => {
      const { eventId } = req.params
      await requireEventAccess(ctx, req, { eventId, tier: 'high', roles: ROLES, action: 'stream.end' })
      // Status first: a publisher reconnecting after the origin drops it is then refused.
      const next = await setEventStatus(ctx.db, eventId, 'ended')
      if (next === null) throw new ApiError(404, 'EVENT_NOT_FOUND', `no event ${eventId}`)
      // Interaction writes (chat, Q&A, reactions) are refused from now on, on every instance.
      await eventStates(ctx).changed(eventId)
      const originStopped = await ctx.origin.endStream(eventId)
      await ctx.audit(req, { action: 'stream.end', eventId, target: eventId, result: 'ok', detail: originStopped ? '' : 'origin did not confirm' })
      return { event: next, originStopped }
    },
  )
}
