// Polls on the gateway: socket votes (ack once durable), one `poll` snapshot per live poll per tick, polls in snapshots.
import type { ServerMessage } from '../../../common/wire/realtime.ts'
import type { GatewayHooks } from '../../realtime/types.ts'
import type { Ctx } from '../../context.ts'
import { checkParticipation, participationErrorMsg } from '../participation.ts'
import { livePollsOfEvents, pollsOfEvent } from './polls.ts'
import { pollService } from './poll-service.ts'
import { voteError } from './poll-routes.ts'

/** How long a final poll keeps coming with the ticks, so a client that missed its `poll` message still learns the result. */
const FINAL_REPEAT_MS = 10_000
/** An unchanged poll is sent again this often (repairs a lost tick without sending every tick). */
const UNCHANGED_REPEAT_MS = 1000
/** Polls a snapshot carries per event, newest first. */
const SNAPSHOT_POLLS = 20

/**
 * Registers the polls feature on a gateway instance. Per tick, this instance's counts are written
 * to kv and the merged totals of every live poll of its local events are read back once and sent
 * to its local subscribers: the cost grows with instances × ticks × polls, never with votes × viewers.
 */
export function registerPollsGateway(hooks: GatewayHooks, ctx: Ctx): void {
  const service = pollService(ctx)
  const sent = new Map<string, { body: string; atMs: number }>()

  hooks.onTick(async (nowMs) => {
    const events = hooks.localEvents()
    if (events.length === 0) {
      sent.clear()
      return
    }
    const live = await livePollsOfEvents(ctx.db, events, nowMs - FINAL_REPEAT_MS)
    const views = await service.views(live)
    const still = new Set<string>()
    for (const poll of views) {
      still.add(poll.id)
      const body = JSON.stringify(poll)
      const last = sent.get(poll.id)
      if (last !== undefined && last.body === body && nowMs - last.atMs < UNCHANGED_REPEAT_MS) continue
      sent.set(poll.id, { body, atMs: nowMs })
      hooks.broadcastLocal(poll.eventId, { type: 'poll', poll })
    }
    for (const id of sent.keys()) if (!still.has(id)) sent.delete(id)
  })

  hooks.onVote(async (conn, msg): Promise<ServerMessage> => {
    const allowed = await checkParticipation(ctx, conn.eventId, conn.userId)
    if (!allowed.ok) return participationErrorMsg(allowed, msg.ref)
    const userId = conn.userId
    if (userId === null) return participationErrorMsg({ ok: false, status: 401, code: 'UNAUTHENTICATED' }, msg.ref)
    let outcome
    try {
      outcome = await service.vote({ eventId: conn.eventId, pollId: msg.pollId, userId, optionId: msg.optionId })
    } catch (err) {
      ctx.log.error({ err: (err as Error).message }, 'vote batch failed')
      return { type: 'error', code: 'VOTE_NOT_STORED', message: 'the vote could not be stored; try again', ref: msg.ref }
    }
    if (outcome.ok) return { type: 'ack', ref: msg.ref }
    return { type: 'error', code: outcome.code, message: voteError(outcome.code).message, ref: msg.ref }
  })

  hooks.onSnapshot(async (eventId, conn) => {
    const rows = await pollsOfEvent(ctx.db, eventId, { drafts: conn.role === 'moderator', limit: SNAPSHOT_POLLS })
    return { polls: await service.views(rows) }
  })
}
