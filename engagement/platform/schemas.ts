// Route-schema pieces every feature uses; the wire shapes themselves live in common/wire/.
import { Type } from 'typebox'
import { ErrorBody } from '../../common/wire/errors.ts'

/** Error responses every route can give. */
export const errorResponses = { '4xx': ErrorBody, '5xx': ErrorBody }

/** `{ ok }`: the answer of actions that return nothing else. */
export const Ok = Type.Object({ ok: Type.Boolean() })

/** The event slug and its params object; their home is common/wire/events.ts (re-exported for route modules). */
export { EventId, EventParams } from '../../common/wire/events.ts'
