// Stream-key wire shapes: the masked key view of the console, and the origin's key-authorize request and decision.
import { Type, type Static } from 'typebox'
import { Name } from './names.ts'

/** A stream key as listed: never the key itself, only its masked form. */
export const StreamKeyView = Type.Object({
  id: Type.String(),
  eventId: Type.String(),
  angle: Type.String(),
  label: Type.String(),
  masked: Type.String(),
  createdAt: Type.String(),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
})
export type StreamKeyView = Static<typeof StreamKeyView>

/** Body of `authorizeStreamKey` (origin → engagement, bearer internal token). */
export const KeyAuthorizeRequest = Type.Object({ streamKey: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false })
export type KeyAuthorizeRequest = Static<typeof KeyAuthorizeRequest>

/** Why the engagement service refuses a key. The origin adds KEY_STORE_UNAVAILABLE when it cannot ask. */
export const KeyRefusal = Type.Union([Type.Literal('UNKNOWN_KEY'), Type.Literal('REVOKED_KEY'), Type.Literal('ALREADY_LIVE'), Type.Literal('EVENT_NOT_LIVE')])
export type KeyRefusal = Static<typeof KeyRefusal>
/** The members of {@link KeyRefusal}, for parsers that check an untrusted reason. */
export const KEY_REFUSALS: readonly KeyRefusal[] = ['UNKNOWN_KEY', 'REVOKED_KEY', 'ALREADY_LIVE', 'EVENT_NOT_LIVE']

/** Answer of `authorizeStreamKey`: where the key may publish now, or why not. */
export const KeyDecision = Type.Union([
  Type.Object({ ok: Type.Literal(true), target: Type.Object({ event: Name, angle: Name }), label: Type.Optional(Type.String()) }),
  Type.Object({ ok: Type.Literal(false), reason: KeyRefusal }),
])
export type KeyDecision = Static<typeof KeyDecision>
