// Wire shapes of live interaction (polls, Q&A, chat, reactions): REST bodies and the objects the gateway sends.
import { Type, type Static } from 'typebox'
import { CHAT_MAX_CHARS, POLL_LIMITS, QUESTION_MAX_CHARS, REACTION_EMOJI } from './live-constants.ts'

// The plain limits live in live-constants.ts (no typebox, so the client imports them by value).
export { CHAT_MAX_CHARS, POLL_LIMITS, QUESTION_MAX_CHARS, REACTION_EMOJI, TIMEOUT_LIMITS_SEC } from './live-constants.ts'

/** ISO 8601 date-time string, or null when the moment has not happened. */
const When = Type.Union([Type.String({ format: 'date-time' }), Type.Null()])

/** Who may see and answer a poll. Commerce adds `ticket-holders` and `subscribers`. */
export const PollAudience = Type.Union([Type.Literal('everyone')], { default: 'everyone' })
export type PollAudience = Static<typeof PollAudience>

/** Poll life cycle: created as `draft`, then `open`, then `closed` (never reopened). */
export const PollStatus = Type.Union([Type.Literal('draft'), Type.Literal('open'), Type.Literal('closed')])
export type PollStatus = Static<typeof PollStatus>

export const PollOption = Type.Object({
  id: Type.String({ description: 'Stable option id within the poll' }),
  text: Type.String(),
  votes: Type.Integer({ minimum: 0 }),
})
export type PollOption = Static<typeof PollOption>

/**
 * The poll object: what `getPoll` returns and what the gateway's `poll` message carries.
 * `openedAt` and `closedAt` are the wall-clock moments the host opened and closed it; a player shows
 * each change when its playhead's PROGRAM-DATE-TIME reaches that moment (see engagement/realtime/README.md).
 */
export const Poll = Type.Object({
  id: Type.String(),
  eventId: Type.String(),
  status: PollStatus,
  question: Type.String(),
  options: Type.Array(PollOption),
  totalVotes: Type.Integer({ minimum: 0 }),
  audience: PollAudience,
  durationSec: Type.Union([Type.Integer(), Type.Null()]),
  openedAt: When,
  /** When an open poll with a duration closes by itself; the actual close time once closed. */
  closesAt: When,
  closedAt: When,
  /** Votes are accepted until then: `closedAt` plus the grace that covers the viewers' latency. */
  votesAcceptedUntil: When,
  /** True once the grace has passed and the counts are the database's exact ones. */
  final: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
})
export type Poll = Static<typeof Poll>

export const CreatePollBody = Type.Object(
  {
    question: Type.String({ minLength: 1, maxLength: POLL_LIMITS.questionMaxChars }),
    options: Type.Array(Type.String({ minLength: 1, maxLength: POLL_LIMITS.optionMaxChars }), { minItems: POLL_LIMITS.minOptions, maxItems: POLL_LIMITS.maxOptions }),
    durationSec: Type.Optional(Type.Integer({ minimum: POLL_LIMITS.minDurationSec, maximum: POLL_LIMITS.maxDurationSec })),
    audience: Type.Optional(PollAudience),
  },
  { additionalProperties: false },
)
export type CreatePollBody = Static<typeof CreatePollBody>

export const VotePollBody = Type.Object({ optionId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false })
export type VotePollBody = Static<typeof VotePollBody>

/** Q&A question states. Without pre-moderation a question starts `approved`. */
export const QuestionStatus = Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('rejected')])
export type QuestionStatus = Static<typeof QuestionStatus>

/** A person as the audience sees them. */
export const PublicAuthor = Type.Object({ userId: Type.String(), displayName: Type.String() })
export type PublicAuthor = Static<typeof PublicAuthor>

/**
 * A question. `author` is null in what the audience gets when the asker chose `anonymous`;
 * moderators always get the author.
 */
export const Question = Type.Object({
  id: Type.String(),
  eventId: Type.String(),
  text: Type.String(),
  anonymous: Type.Boolean(),
  author: Type.Union([PublicAuthor, Type.Null()]),
  status: QuestionStatus,
  pinned: Type.Boolean(),
  /** Wall-clock moment it was marked answered (stream-synchronised), null until then. */
  answeredAt: When,
  upvotes: Type.Integer({ minimum: 0 }),
  createdAt: Type.String({ format: 'date-time' }),
})
export type Question = Static<typeof Question>

export const AskQuestionBody = Type.Object(
  { text: Type.String({ minLength: 1, maxLength: QUESTION_MAX_CHARS }), anonymous: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
)
export type AskQuestionBody = Static<typeof AskQuestionBody>

export const ModerateQuestionBody = Type.Object(
  { action: Type.Union([Type.Literal('approve'), Type.Literal('reject'), Type.Literal('pin'), Type.Literal('unpin'), Type.Literal('answer')]) },
  { additionalProperties: false },
)
export type ModerateQuestionBody = Static<typeof ModerateQuestionBody>

export const ChatMessage = Type.Object({
  id: Type.String(),
  eventId: Type.String(),
  author: PublicAuthor,
  text: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
})
export type ChatMessage = Static<typeof ChatMessage>

export const SendChatBody = Type.Object({ text: Type.String({ minLength: 1, maxLength: CHAT_MAX_CHARS }) }, { additionalProperties: false })
export type SendChatBody = Static<typeof SendChatBody>

/** Per-event interaction settings (moderators change them with `updateChatSettings`). */
export const ChatSettings = Type.Object({
  /** Seconds between two messages of one viewer; 0 is off. */
  slowModeSec: Type.Integer({ minimum: 0, maximum: 3600 }),
  /** Questions wait for a moderator's approval before the audience sees them. */
  qaPremoderation: Type.Boolean(),
  /** Words and phrases refused in chat and questions (case- and accent-insensitive). */
  blockedWords: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 500 }),
})
export type ChatSettings = Static<typeof ChatSettings>

// An enum over the tuple keeps the static type exact (a union over a mapped array was `never`).
export const ReactionEmoji = Type.Enum(REACTION_EMOJI)
export type ReactionEmoji = Static<typeof ReactionEmoji>
