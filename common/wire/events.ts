// Event wire shapes: the event slug and the event view every event route answers with.
import { Type, type Static } from 'typebox'

/** Event ids are URL slugs (a subset of the media path's name rule, common/wire/names.ts). */
export const EVENT_ID_PATTERN = '^[a-z0-9][a-z0-9-]{1,62}$'
export const EventId = Type.String({ pattern: EVENT_ID_PATTERN, description: 'event slug' })
export const EventParams = Type.Object({ eventId: EventId }, { additionalProperties: false })

/** Event life cycle: scheduled, then live, then ended. */
export const EventStatus = Type.Union([Type.Literal('scheduled'), Type.Literal('live'), Type.Literal('ended')])
export type EventStatus = Static<typeof EventStatus>

/** An event as anyone may see it. */
export const EventView = Type.Object({
  id: Type.String(),
  title: Type.String(),
  description: Type.String(),
  startsAt: Type.Union([Type.String(), Type.Null()]),
  free: Type.Boolean(),
  status: EventStatus,
  createdAt: Type.String(),
})
export type EventView = Static<typeof EventView>
