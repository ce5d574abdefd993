// Rows of the per-event interaction settings (slow mode, Q&A pre-moderation, blocked words).
import type { ChatSettings } from '../../../common/wire/interaction.ts'
import type { Queryable } from '../../platform/db.ts'

/** Statements run on the database or inside a feed transaction. */
type Sql = Pick<Queryable, 'query'>

/** Settings of an event that never changed them. */
export const DEFAULT_SETTINGS: ChatSettings = { slowModeSec: 0, qaPremoderation: true, blockedWords: [] }

interface SettingsRow {
  event_exists: boolean
  ended?: boolean
  slow_mode_sec: number | null
  qa_premoderation: boolean | null
  blocked_words: unknown
}

const toSettings = (r: SettingsRow): ChatSettings => ({
  slowModeSec: r.slow_mode_sec ?? DEFAULT_SETTINGS.slowModeSec,
  qaPremoderation: r.qa_premoderation ?? DEFAULT_SETTINGS.qaPremoderation,
  blockedWords: Array.isArray(r.blocked_words) ? r.blocked_words.filter((w): w is string => typeof w === 'string') : [],
})

/** The event's settings (defaults when it has no row), or null when the event does not exist. */
export async function settingsOf(q: Sql, eventId: string): Promise<ChatSettings | null> {
  return (await settingsAndEndOf(q, eventId))?.settings ?? null
}

/** {@link settingsOf} plus whether the event has ended (`events.status`, terminal: an ended event never restarts). */
export async function settingsAndEndOf(q: Sql, eventId: string): Promise<{ settings: ChatSettings; ended: boolean } | null> {
  const rows = await q.query<SettingsRow>(
    `SELECT true AS event_exists, e.status = 'ended' AS ended, s.slow_mode_sec, s.qa_premoderation, s.blocked_words
       FROM events e LEFT JOIN interaction_settings s ON s.event_id = e.id WHERE e.id = $1`,
    [eventId],
  )
  return rows[0] === undefined ? null : { settings: toSettings(rows[0]), ended: rows[0].ended === true }
}

/** Applies a partial change (locking the row) and returns the settings now stored. */
export async function updateSettings(q: Sql, eventId: string, change: Partial<ChatSettings>, nowMs: number): Promise<ChatSettings> {
  await q.query('INSERT INTO interaction_settings (event_id) VALUES ($1) ON CONFLICT (event_id) DO NOTHING', [eventId])
  const rows = await q.query<SettingsRow>(
    `UPDATE interaction_settings SET
        slow_mode_sec = COALESCE($2, slow_mode_sec),
        qa_premoderation = COALESCE($3, qa_premoderation),
        blocked_words = COALESCE($4::jsonb, blocked_words),
        updated_at = $5
      WHERE event_id = $1
      RETURNING true AS event_exists, slow_mode_sec, qa_premoderation, blocked_words`,
    [eventId, change.slowModeSec ?? null, change.qaPremoderation ?? null, change.blockedWords === undefined ? null : JSON.stringify(change.blockedWords), new Date(nowMs)],
  )
  const row = rows[0]
  if (row === undefined) throw new Error('settings row vanished')
  return toSettings(row)
}
