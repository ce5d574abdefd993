// Plain constants of live interaction and the real-time gateway, free of typebox so the client bundle imports them by value.

/** Path of an event's socket under `realtimeUrl`: `/v1/events/<eventId>`. */
export const REALTIME_PATH_PREFIX = '/v1/events/'

/** Largest client frame the gateway reads; a bigger one closes the connection (1009). */
export const REALTIME_MAX_CLIENT_FRAME_BYTES = 4096

/** Limits shared by server validation and the client's forms. */
export const POLL_LIMITS = {
  minOptions: 2,
  maxOptions: 10,
  questionMaxChars: 200,
  optionMaxChars: 80,
  minDurationSec: 10,
  maxDurationSec: 3600,
} as const

/** Longest Q&A question, in characters. */
export const QUESTION_MAX_CHARS = 300

/** Longest chat message, in characters. */
export const CHAT_MAX_CHARS = 500

/** The fixed reaction set; a reaction is one of these code points. */
export const REACTION_EMOJI = ['👏', '🔥', '😂', '😮', '🎉', '💯'] as const

/** Timeouts from 10 s to 24 h. */
export const TIMEOUT_LIMITS_SEC = { min: 10, max: 86_400 } as const
