// createRealtimeToken: a short-lived `?token=` for gateway clients that carry no cookie (OBS overlay, bots).
import type { App } from '../platform/app-type.ts'
import type { Ctx } from '../context.ts'
import { CreateRealtimeTokenBody, RealtimeTokenView } from '../../common/wire/realtime.ts'
import { requireEventAccess, requireSession } from '../accounts/access-guard.ts'
import { eventById } from '../events/events.ts'
import { ApiError } from '../platform/errors.ts'
import { EventParams, errorResponses } from '../platform/schemas.ts'
import { realtimeUrl, requestBase } from '../meta/public-urls.ts'
import { realtimeTokenKey, signRealtimeToken } from './token.ts'

/** POST /api/events/{eventId}/realtime-tokens. */
export function realtimeTokenRoutes(app: App, ctx: Ctx): void {
  const key = realtimeTokenKey(ctx.config)
  app.post(
    '/api/events/:eventId/realtime-tokens',
    {
      schema: {
        operationId: 'createRealtimeToken',
        tags: ['realtime'],
        summary: 'A short-lived token for the real-time gateway (?token=), for clients without the session cookie',
        description:
          'Signed-in users only. `role: moderator` needs a moderating role on the event and a 2FA session (audited); the socket then gets the moderators’ renderings. The gateway checks the token when the socket connects.',
        params: EventParams,
        body: CreateRealtimeTokenBody,
        response: { 201: RealtimeTokenView, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { eventId } = req.params
      const body = req.body
      const role = body.role ?? 'viewer'
      const auth =
        role === 'moderator'
          ? (await requireEventAccess(ctx, req, { eventId, tier: 'medium', roles: ['creator', 'organizer', 'moderator'], action: 'realtime.token.moderator' })).auth
          : requireSession(req)
      if (role === 'viewer' && (await eventById(ctx.db, eventId)) === null) throw new ApiError(404, 'EVENT_NOT_FOUND', `no event ${eventId}`)
      const ttlSec = body.ttlSec ?? ctx.config.realtimeTokenTtlSec
      if (ttlSec > ctx.config.realtimeTokenMaxTtlSec) throw new ApiError(400, 'VALIDATION', `ttlSec is at most ${String(ctx.config.realtimeTokenMaxTtlSec)}`)
      const base = requestBase(req)
      if (base === null) throw new ApiError(400, 'BAD_HOST', 'the Host header is not a host name or address')
      const nowSec = Math.floor(ctx.now() / 1000)
      const token = await signRealtimeToken(key, { sub: auth.user.id, event: eventId, role, nowSec, ttlSec })
      if (role === 'moderator') await ctx.audit(req, { action: 'realtime.token.moderator', eventId, target: auth.user.id, result: 'ok', detail: `ttlSec=${String(ttlSec)}` })
      void reply.header('cache-control', 'no-store')
      return reply.code(201).send({ token, realtimeUrl: realtimeUrl(ctx.config, base), expiresAt: new Date((nowSec + ttlSec) * 1000).toISOString(), role })
    },
  )
}
