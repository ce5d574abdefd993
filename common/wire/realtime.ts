// Real-time gateway wire contract: every JSON frame between the gateway and its clients, imported by server and client.
import { Type, type Static } from 'typebox'
import { ChatMessage, ChatSettings, Poll, Question, ReactionEmoji } from './interaction.ts'

// Path prefix and frame limit live in live-constants.ts (no typebox, so the client imports them by value).
export { REALTIME_MAX_CLIENT_FRAME_BYTES, REALTIME_PATH_PREFIX } from './live-constants.ts'

/** Client-chosen correlation id of a vote, echoed in its `ack` or `error`. */
const Ref = Type.String({ minLength: 1, maxLength: 64 })
const Seq = Type.Integer({ minimum: 0 })

// ---- client → server ---------------------------------------------------------------------------

/** Ask for every ordered item after `afterSeq` (after a reconnect). */
export const ResumeMsg = Type.Object({ type: Type.Literal('resume'), afterSeq: Seq }, { additionalProperties: false })
/** Vote over the socket; answered `ack` once durable, or `error` with the same `ref`. */
export const VoteMsg = Type.Object(
  { type: Type.Literal('vote'), pollId: Type.String({ minLength: 1, maxLength: 64 }), optionId: Type.String({ minLength: 1, maxLength: 64 }), ref: Ref },
  { additionalProperties: false },
)
/** Reactions; a client coalesces taps into at most one frame per emoji per tick (`count`, default 1). */
export const ReactMsg = Type.Object(
  { type: Type.Literal('react'), emoji: ReactionEmoji, count: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })) },
  { additionalProperties: false },
)
/** Application keepalive for clients that cannot send WebSocket pings (browsers); answered `pong`. */
export const PingMsg = Type.Object({ type: Type.Literal('ping') }, { additionalProperties: false })

export const ClientMessage = Type.Union([ResumeMsg, VoteMsg, ReactMsg, PingMsg])
export type ClientMessage = Static<typeof ClientMessage>
export type VoteMsg = Static<typeof VoteMsg>
export type ReactMsg = Static<typeof ReactMsg>

// ---- server → client ---------------------------------------------------------------------------

/** Who the gateway thinks is connected. */
export const ConnectionRole = Type.Union([Type.Literal('guest'), Type.Literal('viewer'), Type.Literal('moderator')])
export type ConnectionRole = Static<typeof ConnectionRole>

/** First frame on every connection. `seq` is the newest ordered item's seq (0 before any). */
export const HelloMsg = Type.Object({
  type: Type.Literal('hello'),
  eventId: Type.String(),
  seq: Seq,
  /** Gateway wall clock, ms since the epoch, so a client can correct its own clock's offset. */
  serverTime: Type.Integer(),
  role: ConnectionRole,
  userId: Type.Union([Type.String(), Type.Null()]),
})

/** Whole poll, sent on every change and on the tally tick while open (a missed one is repaired by the next). */
export const PollMsg = Type.Object({ type: Type.Literal('poll'), poll: Poll })

/** Ordered: a question appeared or changed (approved, pinned, answered; moderators also see pending and rejected). */
export const QuestionMsg = Type.Object({ type: Type.Literal('question'), seq: Seq, question: Question })

/** Tick snapshot of upvote counts of the questions that changed since the last tick. */
export const QuestionVotesMsg = Type.Object({ type: Type.Literal('question.votes'), counts: Type.Record(Type.String(), Type.Integer({ minimum: 0 })) })

/** Ordered: a chat message. */
export const ChatMsg = Type.Object({ type: Type.Literal('chat'), seq: Seq, message: ChatMessage })

/** Ordered: a chat message was deleted by a moderator; remove it. */
export const ChatDeletedMsg = Type.Object({ type: Type.Literal('chat.deleted'), seq: Seq, messageId: Type.String() })

/** Ordered: a moderation action the audience or the moderators must see. */
export const ModerationMsg = Type.Object({
  type: Type.Literal('moderation'),
  seq: Seq,
  action: Type.Union([Type.Literal('timeout'), Type.Literal('ban'), Type.Literal('unban'), Type.Literal('settings'), Type.Literal('report')]),
  /** The user acted on (timeout, ban, unban). */
  userId: Type.Optional(Type.String()),
  /** End of a timeout (ISO). */
  until: Type.Optional(Type.String()),
  /** New settings (action `settings`). */
  settings: Type.Optional(ChatSettings),
  /** Reported message (action `report`, moderators only). */
  messageId: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String()),
})

/** Tick aggregate of reactions over all instances: how many of each emoji in the window ending at `at`. */
export const ReactionsMsg = Type.Object({
  type: Type.Literal('reactions'),
  /** End of the aggregated window, wall-clock ms (stream-synchronised like poll changes). */
  at: Type.Integer(),
  counts: Type.Record(Type.String(), Type.Integer({ minimum: 0 })),
})

/** Live audience size over all instances, sent every few seconds. */
export const PresenceMsg = Type.Object({ type: Type.Literal('presence'), viewers: Type.Integer({ minimum: 0 }) })

/** `resume.afterSeq` has fallen out of the history window: a `snapshot` follows. */
export const GapMsg = Type.Object({ type: Type.Literal('gap'), afterSeq: Seq, oldestSeq: Seq })

/** Everything a client needs to start over: current polls, visible questions, recent chat, settings. */
export const SnapshotMsg = Type.Object({
  type: Type.Literal('snapshot'),
  seq: Seq,
  polls: Type.Array(Poll),
  questions: Type.Array(Question),
  chat: Type.Array(ChatMessage),
  settings: ChatSettings,
})

/** A vote is durable. */
export const AckMsg = Type.Object({ type: Type.Literal('ack'), ref: Ref })
export const PongMsg = Type.Object({ type: Type.Literal('pong') })

/** A refused client frame; `code` is the same typed error code the REST API uses. */
export const ErrorMsg = Type.Object({
  type: Type.Literal('error'),
  code: Type.String(),
  message: Type.String(),
  ref: Type.Optional(Ref),
})

export const ServerMessage = Type.Union([
  HelloMsg,
  PollMsg,
  QuestionMsg,
  QuestionVotesMsg,
  ChatMsg,
  ChatDeletedMsg,
  ModerationMsg,
  ReactionsMsg,
  PresenceMsg,
  GapMsg,
  SnapshotMsg,
  AckMsg,
  PongMsg,
  ErrorMsg,
])
export type ServerMessage = Static<typeof ServerMessage>
export type OrderedMessage = Static<typeof QuestionMsg> | Static<typeof ChatMsg> | Static<typeof ChatDeletedMsg> | Static<typeof ModerationMsg>
export type SnapshotMsg = Static<typeof SnapshotMsg>
export type ReactionsMsg = Static<typeof ReactionsMsg>

/** Response of `createRealtimeToken`. */
export const RealtimeTokenView = Type.Object({
  token: Type.String({ description: 'Pass as ?token= to <realtimeUrl>/v1/events/<eventId>' }),
  realtimeUrl: Type.String(),
  expiresAt: Type.String({ format: 'date-time' }),
  /** What the socket will get: the public rendering (`viewer`) or the moderators' one. */
  role: Type.Optional(Type.Union([Type.Literal('viewer'), Type.Literal('moderator')])),
})

/**
 * Body of `createRealtimeToken` (all optional). `role: 'moderator'` needs the event's moderating role
 * and a 2FA session, and shows pending questions and anonymous askers: never put it on stream.
 */
export const CreateRealtimeTokenBody = Type.Object(
  {
    role: Type.Optional(Type.Union([Type.Literal('viewer'), Type.Literal('moderator')], { default: 'viewer' })),
    /** Lifetime; default and maximum are the service's `realtimeTokenTtlSec` and `realtimeTokenMaxTtlSec`. */
    ttlSec: Type.Optional(Type.Integer({ minimum: 30, maximum: 604_800 })),
  },
  { additionalProperties: false },
)
export type CreateRealtimeTokenBody = Static<typeof CreateRealtimeTokenBody>
