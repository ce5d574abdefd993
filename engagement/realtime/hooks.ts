// The GatewayHooks a feature registers on: tick, vote, react and snapshot handlers, and local broadcast.
import type { ChatSettings } from '../../common/wire/interaction.ts'
import type { ReactMsg, ServerMessage, SnapshotMsg, VoteMsg } from '../../common/wire/realtime.ts'
import type { Logger } from '../../common/log.ts'
import type { Audience, GatewayHooks, RealtimeConn, SnapshotPart } from './types.ts'

/** Settings a snapshot carries when no feature contributes them (the defaults of a new event). */
export const DEFAULT_SETTINGS: ChatSettings = { slowModeSec: 0, qaPremoderation: true, blockedWords: [] }

type TickFn = (nowMs: number) => Promise<void> | void
type VoteFn = (conn: RealtimeConn, msg: VoteMsg) => Promise<ServerMessage>
type ReactFn = (conn: RealtimeConn, msg: ReactMsg) => Promise<ServerMessage | null>
type SnapshotFn = (eventId: string, conn: RealtimeConn) => Promise<SnapshotPart>

/** Handlers registered by the features; the hub calls them. */
export class HookRegistry {
  readonly ticks: TickFn[] = []
  vote: VoteFn | null = null
  react: ReactFn | null = null
  readonly snapshots: SnapshotFn[] = []

  constructor(private readonly log: Logger) {}

  /** The object handed to each feature's `registerGateway(hooks, ctx)`. */
  hooks(broadcastLocal: GatewayHooks['broadcastLocal'], localEvents: () => readonly string[]): GatewayHooks {
    return {
      broadcastLocal,
      localEvents,
      onTick: (fn) => {
        this.ticks.push(fn)
      },
      onVote: (fn) => {
        if (this.vote !== null) throw new Error('a vote handler is already registered')
        this.vote = fn
      },
      onReact: (fn) => {
        if (this.react !== null) throw new Error('a react handler is already registered')
        this.react = fn
      },
      onSnapshot: (fn) => {
        this.snapshots.push(fn)
      },
    }
  }

  /** Runs every tick handler; one failing handler is logged and does not stop the others. */
  async tick(nowMs: number): Promise<number> {
    let failed = 0
    await Promise.all(
      this.ticks.map(async (fn) => {
        try {
          await fn(nowMs)
        } catch (err) {
          failed++
          this.log.error({ err: (err as Error).message }, 'gateway tick handler failed')
        }
      }),
    )
    return failed
  }

  /** The snapshot at `seq`: every feature's part merged (lists concatenated, settings from whoever gives them). */
  async snapshot(eventId: string, conn: RealtimeConn, seq: number): Promise<SnapshotMsg> {
    const parts = await Promise.all(
      this.snapshots.map(async (fn) => {
        try {
          return await fn(eventId, conn)
        } catch (err) {
          this.log.error({ err: (err as Error).message, eventId }, 'gateway snapshot part failed')
          return {}
        }
      }),
    )
    const out: SnapshotMsg = { type: 'snapshot', seq, polls: [], questions: [], chat: [], settings: DEFAULT_SETTINGS }
    for (const p of parts) {
      if (p.polls !== undefined) out.polls.push(...p.polls)
      if (p.questions !== undefined) out.questions.push(...p.questions)
      if (p.chat !== undefined) out.chat.push(...p.chat)
      if (p.settings !== undefined) out.settings = p.settings
    }
    return out
  }
}

/** Topic of an event's ordered items or unordered messages, per rendering. */
export function topic(eventId: string, kind: 'ordered' | 'unordered', audience: Audience): string {
  return `${eventId}/${kind === 'ordered' ? 'o' : 'u'}/${audience === 'public' ? 'p' : 'm'}`
}
