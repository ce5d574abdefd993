// The talk features' seams: REST routes (Q&A, chat, moderation, settings, reactions) and the gateway hooks (ticks, reactions, snapshots).
import type { App } from '../platform/app-type.ts'
import type { Ctx } from '../context.ts'
import type { GatewayHooks, SnapshotPart } from '../realtime/types.ts'
import { qaRoutes } from './qa/qa-routes.ts'
import { listQuestions } from './qa/questions.ts'
import { upvoteBatcher } from './qa/upvote-batcher.ts'
import { moderatorView, publicView } from './qa/question-rules.ts'
import { chatRoutes } from './chat/chat-routes.ts'
import { moderationRoutes } from './chat/moderation-routes.ts'
import { messageView, recentMessages } from './chat/chat-messages.ts'
import { settingsRoutes, publicSettings } from './settings/settings-routes.ts'
import { eventStates } from './settings/event-state.ts'
import { DEFAULT_SETTINGS } from './settings/settings.ts'
import { reactionRoutes, onReactFrame } from './reactions/reaction-routes.ts'
import { tickWindows } from './reactions/tick-windows.ts'

/** Questions and chat messages a snapshot carries. */
const SNAPSHOT_QUESTIONS = 200
const SNAPSHOT_CHAT = 50
/** Events whose tick windows are read at the same time. */
const TICK_READ_BATCH = 64

/**
 * Registers Q&A, chat, moderation, settings and reaction routes, and this instance's tick flush of
 * reaction and upvote counts (stopped, with a last flush, when the app closes).
 */
export function talkRoutes(app: App, ctx: Ctx): void {
  qaRoutes(app, ctx)
  chatRoutes(app, ctx)
  moderationRoutes(app, ctx)
  settingsRoutes(app, ctx)
  reactionRoutes(app, ctx)
  const windows = tickWindows(ctx)
  windows.start()
  app.addHook('onClose', async () => {
    // Upvotes already taken are stored (and answered) before the counts' last flush.
    await upvoteBatcher(ctx).close()
    await windows.stop()
    await eventStates(ctx).close()
  })
}

/** What the talk features put into a snapshot for `conn` (moderators get pending questions and the blocked words). */
export async function talkSnapshot(ctx: Ctx, eventId: string, moderator: boolean): Promise<SnapshotPart> {
  const [rows, chat, state] = await Promise.all([
    listQuestions(ctx.db, { eventId, statuses: moderator ? ['pending', 'approved', 'rejected'] : ['approved'], sort: 'new', limit: SNAPSHOT_QUESTIONS }),
    recentMessages(ctx.db, eventId, null, SNAPSHOT_CHAT),
    eventStates(ctx).get(eventId),
  ])
  const settings = state?.settings ?? DEFAULT_SETTINGS
  return {
    questions: rows.map((q) => (moderator ? moderatorView(q) : publicView(q))).filter((q) => q !== null),
    chat: chat.map(messageView),
    settings: moderator ? settings : publicSettings(settings),
  }
}

/**
 * The gateway side, on instances that hold sockets: `react` frames into the tally; on every tick,
 * flush this instance's counts, then read the merged windows of each local event and broadcast one
 * `reactions` and one `question.votes` per event; snapshots with questions, chat and settings.
 */
export function registerTalkGateway(hooks: GatewayHooks, ctx: Ctx): void {
  const windows = tickWindows(ctx)
  hooks.onReact((conn, msg) => onReactFrame(ctx, conn, msg))
  hooks.onTick(async (nowMs) => {
    await windows.flush(nowMs)
    const events = hooks.localEvents()
    windows.retain(events)
    // Reads of many events go out together (bounded), so a tick costs a few round trips, not one per event in a row.
    for (let i = 0; i < events.length; i += TICK_READ_BATCH) {
      const batch = events.slice(i, i + TICK_READ_BATCH)
      const outs = await Promise.all(batch.map((eventId) => windows.read(eventId, nowMs)))
      outs.forEach((out, j) => {
        const eventId = batch[j] as string
        if (out.reactions !== null) hooks.broadcastLocal(eventId, out.reactions)
        if (out.votes !== null) hooks.broadcastLocal(eventId, out.votes)
      })
    }
  })
  hooks.onSnapshot((eventId, conn) => talkSnapshot(ctx, eventId, conn.role === 'moderator'))
}
