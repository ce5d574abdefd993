// Per-event interaction settings: getChatSettings (public) and updateChatSettings (moderators; a `moderation` item `settings`).
import { ChatSettings } from '../../../common/wire/interaction.ts'
import { EventParams } from '../../../common/wire/events.ts'
import { ChatSettingsQuery, UpdateChatSettingsBody } from '../../../common/wire/talk.ts'
import type { App } from '../../platform/app-type.ts'
import type { Ctx } from '../../context.ts'
import { ApiError } from '../../platform/errors.ts'
import { errorResponses } from '../../platform/schemas.ts'
import { invalidEntries } from './blocked-words.ts'
import { eventStates } from './event-state.ts'
import { requireModerator } from './moderator-access.ts'
import { settingsOf, updateSettings } from './settings.ts'

/**
 * What the audience sees of the settings: everything but the blocked-word list (showing it would
 * publish the very words and tell evaders what to avoid).
 */
export function publicSettings(s: ChatSettings): ChatSettings {
  return { ...s, blockedWords: [] }
}

/** getChatSettings, updateChatSettings. */
export function settingsRoutes(app: App, ctx: Ctx): void {
  app.get(
    '/api/events/:eventId/chat/settings',
    {
      schema: {
        operationId: 'getChatSettings',
        tags: ['chat moderation'],
        summary: 'Slow mode and Q&A pre-moderation; the blocked words only with view=moderation (moderators with a 2FA session).',
        params: EventParams,
        querystring: ChatSettingsQuery,
        response: { 200: ChatSettings, ...errorResponses },
      },
    },
    async (req) => {
      const { eventId } = req.params
      if (req.query.view === 'moderation') await requireModerator(ctx, req, eventId, 'chat.settings_read')
      const s = await settingsOf(ctx.db, eventId)
      if (s === null) throw new ApiError(404, 'EVENT_NOT_FOUND', `no event ${eventId}`)
      return req.query.view === 'moderation' ? s : publicSettings(s)
    },
  )

  app.patch(
    '/api/events/:eventId/chat/settings',
    {
      schema: {
        operationId: 'updateChatSettings',
        tags: ['chat moderation'],
        summary: 'Change slow mode, Q&A pre-moderation or the blocked words (whole-word entries; `x*`, `*x`, `*x*` opt into partial matches). Audited.',
        params: EventParams,
        body: UpdateChatSettingsBody,
        response: { 200: ChatSettings, ...errorResponses },
      },
    },
    async (req) => {
      const { eventId } = req.params
      const changed = Object.keys(req.body).sort().join(',')
      await requireModerator(ctx, req, eventId, 'chat.settings', changed)
      const words = req.body.blockedWords
      if (words !== undefined) {
        const bad = invalidEntries(words)
        if (bad.length > 0) {
          const first = bad[0] as { entry: string; reason: string }
          throw new ApiError(400, 'BLOCKED_WORD_INVALID', `blocked word ${JSON.stringify(first.entry.slice(0, 64))}: ${first.reason}${bad.length > 1 ? ` (and ${String(bad.length - 1)} more)` : ''}`)
        }
      }
      const change = { ...req.body, ...(words !== undefined ? { blockedWords: [...new Set(words.map((w) => w.trim()))] } : {}) }
      const settings = await ctx.realtime.withFeed(eventId, async (q, append) => {
        const s = await updateSettings(q, eventId, change, ctx.now())
        await append({ public: { type: 'moderation', action: 'settings', settings: publicSettings(s) }, moderators: { type: 'moderation', action: 'settings', settings: s } })
        return s
      })
      await eventStates(ctx).changed(eventId)
      await ctx.audit(req, { action: 'chat.settings', eventId, target: changed, result: 'ok', detail: `slowModeSec=${String(settings.slowModeSec)} qaPremoderation=${String(settings.qaPremoderation)} blockedWords=${String(settings.blockedWords.length)}` })
      return settings
    },
  )
}
