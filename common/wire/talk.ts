// REST shapes of Q&A, chat moderation, reactions and the public profile: bodies, query strings and answers, for server and client.
import { Type, type Static } from 'typebox'
import { ChatMessage, ChatSettings, Question, QuestionStatus, ReactionEmoji } from './interaction.ts'
import { TIMEOUT_LIMITS_SEC } from './live-constants.ts'

/** Ids of users, questions and messages in paths and bodies. */
export const TalkId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })

/**
 * Optional `Idempotency-Key` header of `askQuestion` and `sendChatMessage`: a retry with the same key
 * (after a lost answer) returns what the first attempt stored instead of storing it twice.
 */
export const IdempotencyHeaders = Type.Object({ 'idempotency-key': Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_:.-]{8,64}$' })) })

// ---- Q&A ---------------------------------------------------------------------------------------

export const ListQuestionsQuery = Type.Object(
  {
    sort: Type.Optional(Type.Union([Type.Literal('top'), Type.Literal('new')], { default: 'top' })),
    /** `moderation`: every question with its author (moderators, 2FA session); default: what the audience sees. */
    view: Type.Optional(Type.Union([Type.Literal('audience'), Type.Literal('moderation')])),
    /** With `view=moderation`: only questions in this state. */
    status: Type.Optional(QuestionStatus),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  },
  { additionalProperties: false },
)
export type ListQuestionsQuery = Static<typeof ListQuestionsQuery>

export const QuestionList = Type.Object({
  questions: Type.Array(Question),
  /** Ids among `questions` the caller has upvoted (empty for guests). */
  upvoted: Type.Array(Type.String()),
})
export type QuestionList = Static<typeof QuestionList>

export const UpvoteResult = Type.Object({ questionId: Type.String(), upvotes: Type.Integer({ minimum: 0 }) })
export type UpvoteResult = Static<typeof UpvoteResult>

// ---- chat --------------------------------------------------------------------------------------

/** A chat message with its seq in the event's feed (what `listChatMessages` pages by). */
export const SequencedChatMessage = Type.Object({ seq: Type.Integer({ minimum: 1 }), message: ChatMessage })
export type SequencedChatMessage = Static<typeof SequencedChatMessage>

export const ListChatQuery = Type.Object(
  {
    /** Only messages with a seq below this (the previous page's `nextBefore`). */
    before: Type.Optional(Type.Integer({ minimum: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  },
  { additionalProperties: false },
)
export type ListChatQuery = Static<typeof ListChatQuery>

export const ChatPage = Type.Object({
  /** Oldest first; deleted messages are left out. */
  messages: Type.Array(SequencedChatMessage),
  /** Pass as `before` for older messages; null when there are none. */
  nextBefore: Type.Union([Type.Integer(), Type.Null()]),
})
export type ChatPage = Static<typeof ChatPage>

export const TimeoutUserBody = Type.Object(
  {
    userId: TalkId,
    durationSec: Type.Integer({ minimum: TIMEOUT_LIMITS_SEC.min, maximum: TIMEOUT_LIMITS_SEC.max }),
    reason: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
)
export type TimeoutUserBody = Static<typeof TimeoutUserBody>

export const TimeoutResult = Type.Object({ userId: Type.String(), until: Type.String({ format: 'date-time' }) })
export type TimeoutResult = Static<typeof TimeoutResult>

export const BanUserBody = Type.Object({ userId: TalkId, reason: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false })
export type BanUserBody = Static<typeof BanUserBody>

export const ReportChatBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false })
export type ReportChatBody = Static<typeof ReportChatBody>

export const ChatReport = Type.Object({
  message: ChatMessage,
  messageDeleted: Type.Boolean(),
  reporter: Type.Object({ userId: Type.String(), displayName: Type.String() }),
  reason: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
})
export type ChatReport = Static<typeof ChatReport>

export const ListReportsQuery = Type.Object(
  {
    /** Include reports on messages already deleted. */
    all: Type.Optional(Type.Boolean()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  },
  { additionalProperties: false },
)
export type ListReportsQuery = Static<typeof ListReportsQuery>

export const ChatReportList = Type.Object({ reports: Type.Array(ChatReport) })
export type ChatReportList = Static<typeof ChatReportList>

/** A partial change of the settings; at least one field. Blocked-word entries follow the rule in engagement's blocked-words.ts. */
export const UpdateChatSettingsBody = Type.Object(
  {
    slowModeSec: Type.Optional(ChatSettings.properties.slowModeSec),
    qaPremoderation: Type.Optional(ChatSettings.properties.qaPremoderation),
    blockedWords: Type.Optional(ChatSettings.properties.blockedWords),
  },
  { additionalProperties: false, minProperties: 1 },
)
export type UpdateChatSettingsBody = Static<typeof UpdateChatSettingsBody>

export const ChatSettingsQuery = Type.Object(
  { view: Type.Optional(Type.Union([Type.Literal('audience'), Type.Literal('moderation')])) },
  { additionalProperties: false },
)

// ---- reactions ---------------------------------------------------------------------------------

/** `react`: taps on one emoji since the client's last send (clients coalesce taps per tick). */
export const ReactBody = Type.Object({ emoji: ReactionEmoji, count: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })) }, { additionalProperties: false })
export type ReactBody = Static<typeof ReactBody>

// ---- profile -----------------------------------------------------------------------------------

/** Display names: 1 to 32 letters, digits, spaces, `.`, `_` or `-`, starting with a letter or digit (never an email). */
export const DISPLAY_NAME_PATTERN = '^[\\p{L}\\p{N}][\\p{L}\\p{N} ._-]{0,31}$'

export const UpdateProfileBody = Type.Object({ displayName: Type.String({ minLength: 1, maxLength: 32, pattern: DISPLAY_NAME_PATTERN }) }, { additionalProperties: false })
export type UpdateProfileBody = Static<typeof UpdateProfileBody>

export const ProfileView = Type.Object({ userId: Type.String(), displayName: Type.String() })
export type ProfileView = Static<typeof ProfileView>
