import { Type } from 'typebox'
import type { App } from '../platform/app-type.ts'
import type { Ctx } from '../context.ts'
import { ApiError } from '../platform/errors.ts'
import { clearSessionCookie } from './session-auth.ts'
import { Ok, errorResponses } from '../platform/schemas.ts'
import { LoginSessionView } from '../../common/wire/accounts.ts'
import { requireSession } from './access-guard.ts'
import { sessionView } from './account-views.ts'

/** listSessions, revokeSession. */
export function loginSessionRoutes(app: App, ctx: Ctx): void {
  app.get(
    '/api/sessions',
    { schema: { operationId: 'listSessions', tags: ['sessions'], summary: 'My live sessions', response: { 200: Type.Object({ sessions: Type.Array(LoginSessionView) }), ...errorResponses } } },
    async (req) => {
      const auth = requireSession(req)
      const all = await ctx.loginSessions.list(auth.user.id)
      return { sessions: all.map((s) => sessionView(s.hash, s.record, auth.hash)) }
    },
  )

  app.delete(
    '/api/sessions/:sessionId',
    {
      schema: {
        operationId: 'revokeSession',
        tags: ['sessions'],
        summary: 'End one of my sessions (mine only)',
        params: Type.Object({ sessionId: Type.String({ pattern: '^[0-9a-f]{64}$' }) }, { additionalProperties: false }),
        response: { 200: Ok, ...errorResponses },
      },
    },
    async (req, reply) => {
      const auth = requireSession(req)
      const mine = await ctx.loginSessions.list(auth.user.id)
      const found = mine.find((s) => s.hash === req.params.sessionId)
      if (found === undefined) throw new ApiError(404, 'SESSION_NOT_FOUND', 'no such session of yours')
      await ctx.loginSessions.destroy(found.hash, auth.user.id)
      if (found.hash === auth.hash) clearSessionCookie(ctx, reply)
      await ctx.audit(req, { action: 'session.revoke', target: found.hash.slice(0, 16), result: 'ok' })
      return { ok: true }
    },
  )
}
