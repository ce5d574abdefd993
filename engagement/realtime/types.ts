// The seams between the real-time gateway and the interaction features: publishing, sequencing, ticks, socket handlers.
import type { ConnectionRole, OrderedMessage, ServerMessage, SnapshotMsg, VoteMsg, ReactMsg } from '../../common/wire/realtime.ts'

/** Something that runs SQL inside a transaction (structurally the platform's `Queryable`). */
export interface FeedQueryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>
}

type WithoutSeq<T> = T extends unknown ? Omit<T, 'seq'> : never

/** An ordered message before the feed gives it its `seq`. */
export type OrderedDraft = WithoutSeq<OrderedMessage>

/**
 * One ordered item of an event's feed, in its two renderings: what the audience sees
 * (null for moderator-only items such as pending questions and reports) and what moderators see.
 */
export interface FeedDraft {
  public: OrderedDraft | null
  moderators: OrderedDraft
}

/** Who receives a message: everyone connected to the event, or its moderators only. */
export type Audience = 'public' | 'moderators'

/**
 * The publishing side, used by REST routes and socket handlers on any instance (`ctx.realtime`).
 * Ordered items are durable (database, one `seq` per event, assigned in the caller's transaction);
 * unordered messages are at-most-once and repaired by the next tick.
 */
export interface RealtimePublisher {
  /**
   * Runs `fn` in one database transaction. Each `append` sequences an item inside it (the
   * effect and its feed row commit together or not at all); after commit the items are
   * published to every instance in `seq` order. Returns what `fn` returns.
   */
  withFeed<T>(eventId: string, fn: (q: FeedQueryable, append: (item: FeedDraft) => Promise<number>) => Promise<T>): Promise<T>
  /** Sends an unordered message (a poll change, say) to every instance's subscribers of the event. */
  publish(eventId: string, msg: ServerMessage, audience?: Audience): Promise<void>
}

/** One gateway connection as the feature handlers see it. */
export interface RealtimeConn {
  readonly eventId: string
  /** Null for guests (read-only). */
  readonly userId: string | null
  readonly role: ConnectionRole
  /** Address group (IPv4 address, IPv6 /64) for per-address limits. */
  readonly addressGroup: string
}

/** What a feature contributes to a `snapshot` (merged field by field). */
export type SnapshotPart = Partial<Omit<SnapshotMsg, 'type' | 'seq'>>

/**
 * The gateway side, handed to each feature's `registerGateway(hooks, ctx)` on the instances
 * that hold sockets.
 */
export interface GatewayHooks {
  /** Sends to this instance's subscribers of the event only (tick snapshots after a merge). */
  broadcastLocal(eventId: string, msg: ServerMessage, audience?: Audience): void
  /** Events with at least one subscriber on this instance. */
  localEvents(): readonly string[]
  /** Called on every tick (`gatewayTickMs`, about 250 ms) with the tick's wall-clock time; errors are logged. */
  onTick(fn: (nowMs: number) => Promise<void> | void): void
  /** Answers `vote` frames: `ack` once durable or an `error` with the same `ref`. */
  onVote(fn: (conn: RealtimeConn, msg: VoteMsg) => Promise<ServerMessage>): void
  /** Takes `react` frames (already rate-limited per connection); replies only on refusal. */
  onReact(fn: (conn: RealtimeConn, msg: ReactMsg) => Promise<ServerMessage | null>): void
  /** Contributes to the snapshot sent after `gap` (and on request). */
  onSnapshot(fn: (eventId: string, conn: RealtimeConn) => Promise<SnapshotPart>): void
}
