// createPlaybackSession: places a viewer on a tracker cell and hands out its announce URL and admission token.
import type { App } from '../platform/app-type.ts'
import type { Ctx } from '../context.ts'
import { eventById } from '../events/events.ts'
import { randomToken } from '../platform/crypto.ts'
import { ApiError } from '../platform/errors.ts'
import { errorResponses } from '../platform/schemas.ts'
import { EventParams } from '../../common/wire/events.ts'
import { PlaybackSessionView } from '../../common/wire/playback.ts'
import { addressGroup, compileTrustedProxies } from '../../common/client-address.ts'
import { buildPlaybackSession, localityFor } from './playback-session.ts'
import { requestBase } from '../meta/public-urls.ts'

const WINDOW_MS = 60_000

/** createPlaybackSession. */
export function playbackRoutes(app: App, ctx: Ctx): void {
  const trusted = compileTrustedProxies(ctx.config.trustedProxies)
  const header = ctx.config.localityHeader
  app.post(
    '/api/events/:eventId/playback-sessions',
    {
      // No account state changes and the answer is readable same-origin only, so a forged
      // cross-site POST gains an attacker nothing; anonymous viewers have no CSRF token anyway.
      config: { csrf: false },
      schema: {
        operationId: 'createPlaybackSession',
        tags: ['playback'],
        summary: 'Place this viewer: origin, tracker URL with admission token, swarm id and ICE servers for one event',
        params: EventParams,
        response: { 201: PlaybackSessionView, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { eventId } = req.params
      const group = addressGroup(req.ip)
      // Fixed windows numbered by the service clock, so every instance (and a test's clock) agrees
      // on where a window ends whatever the store's own expiry clock says.
      const now = ctx.now()
      const window = Math.floor(now / WINDOW_MS)
      const leftMs = (window + 1) * WINDOW_MS - now
      const count = await ctx.kv.incr(`rl:playback:${group}:${String(window)}`, leftMs + 1000)
      if (count.count > ctx.config.playbackSessionsPerAddressPerMin) {
        throw new ApiError(429, 'TOO_MANY_REQUESTS', 'too many playback sessions from this network; wait and try again', { retryAfterSec: Math.max(1, Math.ceil(leftMs / 1000)) })
      }
      const event = await eventById(ctx.db, eventId)
      if (event === null) throw new ApiError(404, 'EVENT_NOT_FOUND', `no event ${eventId}`)
      // Entitlements (tickets) come with the playback JWT; until then a paid event needs an account.
      if (!event.free && req.auth === null) throw new ApiError(401, 'UNAUTHENTICATED', 'sign in to watch this event')
      // The Host header becomes part of derived URLs: only a plain host may (the request guard answers 400 first).
      const base = requestBase(req)
      if (base === null) throw new ApiError(400, 'BAD_HOST', 'the Host header is not a plain host name')
      const playbackSessionId = randomToken(16)
      // The edge header is believed only from a trusted proxy: anyone else could pick their own cell.
      const edge = header !== '' && trusted(req.socket.remoteAddress ?? '') ? req.headers[header] : undefined
      const session = await buildPlaybackSession(ctx.config, {
        eventId,
        playbackSessionId,
        viewerKey: req.auth !== null ? `u:${req.auth.user.id}` : `a:${playbackSessionId}`,
        locality: localityFor(req.ip, typeof edge === 'string' ? edge : undefined, ctx.config),
        base,
        nowMs: ctx.now(),
      })
      void reply.header('cache-control', 'no-store')
      return reply.code(201).send(session)
    },
  )
}
