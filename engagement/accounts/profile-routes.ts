// The public profile: updateProfile sets the display name chat and Q&A show (never derived from the email).
import { ProfileView, UpdateProfileBody } from '../../common/wire/talk.ts'
import type { App } from '../platform/app-type.ts'
import type { Ctx } from '../context.ts'
import { errorResponses } from '../platform/schemas.ts'
import { requireSession } from './access-guard.ts'
import { setDisplayName } from './users.ts'

/** updateProfile. */
export function profileRoutes(app: App, ctx: Ctx): void {
  app.patch(
    '/api/me/profile',
    {
      schema: {
        operationId: 'updateProfile',
        tags: ['auth'],
        summary: 'Set the display name others see in chat and Q&A (1–32 letters, digits, spaces, . _ -; need not be unique). Messages already sent keep the old name.',
        body: UpdateProfileBody,
        response: { 200: ProfileView, ...errorResponses },
      },
    },
    async (req) => {
      const auth = requireSession(req)
      // Collapsed inner white space, so "a    b" cannot pose as another "a b" with invisible padding.
      const displayName = req.body.displayName.trim().replace(/\s+/gu, ' ')
      await setDisplayName(ctx.db, auth.user.id, displayName)
      await ctx.audit(req, { action: 'profile.update', target: auth.user.id, result: 'ok' })
      return { userId: auth.user.id, displayName }
    },
  )
}
