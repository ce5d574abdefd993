// Account wire shapes: the user and login-session views, the `me` body, TOTP enrolment, and the step-up and sign-in challenges.
import { Type, type Static } from 'typebox'

/** Roles held per event (admin is global, on the user). */
export const EventRole = Type.Union([Type.Literal('organizer'), Type.Literal('creator'), Type.Literal('moderator'), Type.Literal('advertiser')])
export type EventRole = Static<typeof EventRole>

export const Email = Type.String({ format: 'email', minLength: 3, maxLength: 254 })
/** Length is checked by the password policy so the message can say why. */
export const Password = Type.String({ minLength: 1, maxLength: 1024 })
export const TotpCode = Type.String({ pattern: '^[0-9]{6}$' })
export const RecoveryCode = Type.String({ minLength: 10, maxLength: 40 })

/** The signed-in user as the user sees it. */
export const UserView = Type.Object({
  id: Type.String(),
  email: Type.String(),
  /** The public name chat and Q&A show (generated until changed with `updateProfile`; never the email). */
  displayName: Type.String(),
  isAdmin: Type.Boolean(),
  totpEnabled: Type.Boolean(),
  recoveryCodesLeft: Type.Integer(),
  roles: Type.Array(Type.Object({ eventId: Type.String(), role: EventRole })),
})
export type UserView = Static<typeof UserView>

/** A login session as its owner sees it (`listSessions`, and `me.session`). */
export const LoginSessionView = Type.Object({
  id: Type.String(),
  current: Type.Boolean(),
  createdAt: Type.String(),
  lastSeenAt: Type.String(),
  expiresAt: Type.String(),
  remember: Type.Boolean(),
  ip: Type.String(),
  userAgent: Type.String(),
})
export type LoginSessionView = Static<typeof LoginSessionView>

/** The `me` body, also the answer of login, TOTP confirmation and step-up. */
export const MeView = Type.Object({
  user: UserView,
  session: LoginSessionView,
  /** Send back in `X-CSRF-Token` on every POST/PUT/PATCH/DELETE. */
  csrfToken: Type.String(),
  /** Until when high-sensitivity actions need no new step-up (ISO time), null if not stepped up. */
  stepUpValidUntil: Type.Union([Type.String(), Type.Null()]),
})
export type MeView = Static<typeof MeView>

/** Answer of `enrollTotp`: shown once, confirmed with a first code. */
export const TotpEnrollment = Type.Object({ otpauthUrl: Type.String(), qrDataUrl: Type.String(), secret: Type.String(), recoveryCodes: Type.Array(Type.String()) })
export type TotpEnrollment = Static<typeof TotpEnrollment>

/** The step-up challenge attached to STEP_UP_REQUIRED refusals. */
export const StepUpChallenge = Type.Object({
  endpoint: Type.String(),
  methods: Type.Array(Type.String()),
  maxAgeSec: Type.Integer(),
})
export type StepUpChallenge = Static<typeof StepUpChallenge>

/** The proof-of-work challenge attached to CHALLENGE_REQUIRED (a sign-in on an account under attack). */
export const LoginChallenge = Type.Object({
  challengeId: Type.String(),
  /** Leading zero bits SHA-256(`${challengeId}:${nonce}`) must have. */
  difficulty: Type.Integer(),
  algorithm: Type.String({ description: 'sha256-leading-zero-bits: SHA-256 of `${challengeId}:${nonce}` starts with `difficulty` zero bits' }),
  expiresInSec: Type.Integer(),
})
export type LoginChallenge = Static<typeof LoginChallenge>

/** A solved challenge, sent back as `challenge` with the retried sign-in. */
export const ChallengeSolution = Type.Object({ challengeId: Type.String({ maxLength: 64 }), nonce: Type.String({ maxLength: 20 }) }, { additionalProperties: false })
export type ChallengeSolution = Static<typeof ChallengeSolution>

/** Body of `login`. */
export const LoginRequest = Type.Object(
  {
    email: Email,
    password: Password,
    remember: Type.Optional(Type.Boolean()),
    totpCode: Type.Optional(TotpCode),
    recoveryCode: Type.Optional(RecoveryCode),
    challenge: Type.Optional(ChallengeSolution),
  },
  { additionalProperties: false },
)
export type LoginRequest = Static<typeof LoginRequest>
