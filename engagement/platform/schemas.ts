import { Type } from 'typebox'
import { ErrorBody } from './errors.ts'

/** Error responses every route can give. */
export const errorResponses = { '4xx': ErrorBody, '5xx': ErrorBody }

/** Event ids are URL slugs. */
export const EventId = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,62}$', description: 'event slug' })
export const EventParams = Type.Object({ eventId: EventId }, { additionalProperties: false })

export const Email = Type.String({ format: 'email', minLength: 3, maxLength: 254 })
/** Length is checked by the password policy so the message can say why. */
export const Password = Type.String({ minLength: 1, maxLength: 1024 })
export const TotpCode = Type.String({ pattern: '^[0-9]{6}$' })
export const RecoveryCode = Type.String({ minLength: 10, maxLength: 40 })

export const EventRoleT = Type.Union([Type.Literal('organizer'), Type.Literal('creator'), Type.Literal('moderator'), Type.Literal('advertiser')])

export const UserView = Type.Object({
  id: Type.String(),
  email: Type.String(),
  isAdmin: Type.Boolean(),
  totpEnabled: Type.Boolean(),
  recoveryCodesLeft: Type.Integer(),
  roles: Type.Array(Type.Object({ eventId: Type.String(), role: EventRoleT })),
})

export const SessionView = Type.Object({
  id: Type.String(),
  current: Type.Boolean(),
  createdAt: Type.String(),
  lastSeenAt: Type.String(),
  expiresAt: Type.String(),
  remember: Type.Boolean(),
  ip: Type.String(),
  userAgent: Type.String(),
})

export const MeView = Type.Object({
  user: UserView,
  session: SessionView,
  /** Send back in `X-CSRF-Token` on every POST/PUT/PATCH/DELETE. */
  csrfToken: Type.String(),
  /** Until when high-sensitivity actions need no new step-up (ISO time), null if not stepped up. */
  stepUpValidUntil: Type.Union([Type.String(), Type.Null()]),
})

export const EventView = Type.Object({
  id: Type.String(),
  title: Type.String(),
  description: Type.String(),
  startsAt: Type.Union([Type.String(), Type.Null()]),
  free: Type.Boolean(),
  status: Type.Union([Type.Literal('scheduled'), Type.Literal('live'), Type.Literal('ended')]),
  createdAt: Type.String(),
})

export const StreamKeyView = Type.Object({
  id: Type.String(),
  eventId: Type.String(),
  angle: Type.String(),
  label: Type.String(),
  masked: Type.String(),
  createdAt: Type.String(),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
})

export const Ok = Type.Object({ ok: Type.Boolean() })
