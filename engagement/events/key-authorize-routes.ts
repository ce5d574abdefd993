import type { App } from '../platform/app-type.ts'
import type { Ctx } from '../context.ts'
import { safeEqual, sha256 } from '../platform/crypto.ts'
import { streamKeyByHash } from './stream-keys.ts'
import { ApiError } from '../platform/errors.ts'
import { errorResponses } from '../platform/schemas.ts'
import { KeyAuthorizeRequest, KeyDecision } from '../../common/wire/keys.ts'

/** Pure decision from a looked-up key row. */
export function keyDecision(row: { eventId: string; angle: string; label: string; revokedAt: string | null; eventStatus: string } | null): KeyDecision {
  if (row === null) return { ok: false, reason: 'UNKNOWN_KEY' }
  if (row.revokedAt !== null) return { ok: false, reason: 'REVOKED_KEY' }
  if (row.eventStatus !== 'live') return { ok: false, reason: 'EVENT_NOT_LIVE' }
  return { ok: true, target: { event: row.eventId, angle: row.angle }, ...(row.label !== '' ? { label: row.label } : {}) }
}

/** authorizeStreamKey: the origin asks at every publish connect. */
export function internalRoutes(app: App, ctx: Ctx): void {
  app.post(
    '/api/internal/stream-keys/authorize',
    {
      config: { csrf: false },
      schema: {
        operationId: 'authorizeStreamKey',
        tags: ['internal'],
        summary: 'Origin-only (Bearer internalToken): may this key publish now, and where to?',
        security: [{ bearer: [] }],
        body: KeyAuthorizeRequest,
        response: { 200: KeyDecision, ...errorResponses },
      },
    },
    async (req) => {
      const header = req.headers.authorization ?? ''
      const token = ctx.config.internalToken
      if (token === '' || !safeEqual(header, `Bearer ${token}`)) throw new ApiError(401, 'UNAUTHENTICATED', 'internal bearer token required')
      const row = await streamKeyByHash(ctx.db, sha256(req.body.streamKey))
      const decision = keyDecision(row)
      await ctx.audit(req, {
        action: 'stream.ingest_authorize',
        eventId: row?.eventId ?? null,
        target: row?.id ?? '',
        result: decision.ok ? 'ok' : 'denied',
        detail: decision.ok ? '' : decision.reason,
      })
      return decision
    },
  )
}
