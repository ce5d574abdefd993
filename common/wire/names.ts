// The name rule for events and angles on the media path (URLs, stream targets, angle lists): one pattern, one schema, one guard.
import { Type, type Static } from 'typebox'

/** 1 to 64 ASCII letters, digits, `_` or `-`: safe in a path segment, a file name and a log line as is. */
export const NAME_PATTERN = '^[A-Za-z0-9_-]{1,64}$'

const NAME_RE = new RegExp(NAME_PATTERN)

/** TypeBox schema of a name (event or angle id on the media path). */
export const Name = /* @__PURE__ */ Type.String({ pattern: NAME_PATTERN, description: 'event or angle name: [A-Za-z0-9_-]{1,64}' })
/** A string that passed {@link isName}. */
export type Name = Static<typeof Name>

/** True when `v` is a string that follows the name rule. */
export function isName(v: unknown): v is string {
  return typeof v === 'string' && NAME_RE.test(v)
}
