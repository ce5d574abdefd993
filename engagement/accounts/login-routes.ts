import { setTimeout as sleep } from 'node:timers/promises'
import { Type } from 'typebox'
import type { App } from '../platform/app-type.ts'
import type { Ctx } from '../context.ts'
import { checkPassword, hashPassword, verifyPassword } from './passwords.ts'
import { randomToken, sha256 } from '../platform/crypto.ts'
import { insertUser, normaliseEmail, userByEmail } from './users.ts'
import { ApiError } from '../platform/errors.ts'
import { clearSessionCookie, setSessionCookie } from './session-auth.ts'
import { Ok, errorResponses } from '../platform/schemas.ts'
import { Email, LoginRequest, MeView, Password } from '../../common/wire/accounts.ts'
import { requireSession } from './access-guard.ts'
import { meView } from './account-views.ts'
import { checkSecondFactor } from './second-factor.ts'

const PASSWORD_MESSAGES = {
  TOO_SHORT: 'use at least 8 characters',
  TOO_LONG: 'use at most 128 characters',
  COMMON: 'this password is too common; choose another',
} as const

const tooMany = (retryAfterSec: number): ApiError => new ApiError(429, 'TOO_MANY_ATTEMPTS', 'too many attempts; wait and try again', { retryAfterSec })

/** register, login, logout. */
export function loginRoutes(app: App, ctx: Ctx): void {
  app.post(
    '/api/auth/register',
    {
      config: { csrf: false },
      schema: {
        operationId: 'register',
        tags: ['auth'],
        summary: 'Create an account; the answer is the same whether or not the email was already registered',
        body: Type.Object({ email: Email, password: Password }, { additionalProperties: false }),
        response: { 202: Type.Object({ ok: Type.Boolean(), message: Type.String() }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const { email, password } = req.body
      const problem = checkPassword(password, email)
      if (problem !== null) throw new ApiError(400, `PASSWORD_${problem}`, PASSWORD_MESSAGES[problem])
      const t = await ctx.throttles.register.check('any', req.ip)
      if (!t.ok) throw tooMany(t.retryAfterSec)
      // Hash even when the email exists so both paths cost the same.
      const passwordHash = await hashPassword(password)
      const created = await insertUser(ctx.db, { id: randomToken(12), email, passwordHash })
      await ctx.audit(req, { action: 'account.register', target: sha256(normaliseEmail(email)).slice(0, 16), result: created ? 'ok' : 'denied' })
      return reply.code(202).send({ ok: true, message: 'if this email can be used, the account is ready; sign in' })
    },
  )

  app.post(
    '/api/auth/login',
    {
      config: { csrf: false },
      schema: {
        operationId: 'login',
        tags: ['auth'],
        summary:
          'Sign in; answers TOTP_REQUIRED when the account has 2FA and no code was sent, and CHALLENGE_REQUIRED (with a proof-of-work challenge) while the account is under a guessing attack',
        body: LoginRequest,
        response: { 200: MeView, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { email, password, remember, totpCode, recoveryCode, challenge } = req.body
      const account = sha256(normaliseEmail(email))
      const target = account.slice(0, 16)
      const t = await ctx.throttles.login.check(account, req.ip)
      if (!t.ok) {
        await ctx.audit(req, { action: 'auth.login', target, result: 'denied', detail: 'throttled' })
        throw tooMany(t.retryAfterSec)
      }
      const challengeRequired = async (): Promise<ApiError> => {
        await ctx.audit(req, { action: 'auth.login', target, result: 'denied', detail: 'challenge required' })
        return new ApiError(401, 'CHALLENGE_REQUIRED', 'this account is under attack: your browser must solve a short challenge first', {
          challenge: await ctx.throttles.loginChallenges.issue(),
        })
      }
      const withFactor = totpCode !== undefined || recoveryCode !== undefined
      let vouched = !t.challenge
      if (t.challenge) {
        // Before anything is checked, so known and unknown emails, right and wrong passwords wait alike.
        await sleep(t.delayMs)
        vouched = challenge !== undefined && (await ctx.throttles.loginChallenges.redeem(challenge))
        if (!vouched && !withFactor) throw await challengeRequired()
      }
      // Not vouched for by a challenge: only password and second factor together may succeed, and
      // every other outcome answers CHALLENGE_REQUIRED alike, so no part of a guess is confirmed.
      const user = await userByEmail(ctx.db, email)
      const good = await verifyPassword(user?.passwordHash ?? null, password)
      if (user === null || !good) {
        await ctx.throttles.login.fail(account, req.ip)
        await ctx.audit(req, { action: 'auth.login', actorId: user?.id ?? null, target, result: 'failed', detail: 'bad credentials' })
        if (!vouched) throw await challengeRequired()
        throw new ApiError(401, 'INVALID_CREDENTIALS', 'wrong email or password')
      }
      let mfaAtMs = 0
      if (user.totpEnabled || !vouched) {
        if (!user.totpEnabled) throw await challengeRequired()
        if (!withFactor) throw new ApiError(401, 'TOTP_REQUIRED', 'enter the code from your authenticator app')
        const tt = await ctx.throttles.totp.check(user.id, req.ip)
        if (!tt.ok) throw vouched ? tooMany(tt.retryAfterSec) : await challengeRequired()
        const factor = await checkSecondFactor(ctx, user, { totpCode, recoveryCode })
        if (factor === null) {
          await ctx.throttles.totp.fail(user.id, req.ip)
          await ctx.audit(req, { action: 'auth.login', actorId: user.id, target: user.id, result: 'failed', detail: 'bad second factor' })
          if (!vouched) throw await challengeRequired()
          throw new ApiError(401, 'INVALID_TOTP', 'that code is wrong or was already used')
        }
        await ctx.throttles.totp.succeed(user.id, req.ip)
        mfaAtMs = ctx.now()
      }
      await ctx.throttles.login.succeed(account, req.ip)
      // A new session id on every login; any session this browser had ends.
      if (req.auth !== null) await ctx.loginSessions.destroy(req.auth.hash, req.auth.record.userId)
      const s = await ctx.loginSessions.create(user.id, { remember: remember === true, mfaAtMs, ip: req.ip, userAgent: req.headers['user-agent'] ?? '' })
      setSessionCookie(ctx, reply, s.id, s.record)
      await ctx.audit(req, { action: 'auth.login', actorId: user.id, target: user.id, result: 'ok', detail: mfaAtMs > 0 ? 'with 2FA' : '' })
      return meView(ctx, user, s.hash, s.record)
    },
  )

  app.post(
    '/api/auth/logout',
    {
      schema: { operationId: 'logout', tags: ['auth'], summary: 'End this session', response: { 200: Ok, ...errorResponses } },
    },
    async (req, reply) => {
      const auth = requireSession(req)
      await ctx.loginSessions.destroy(auth.hash, auth.user.id)
      clearSessionCookie(ctx, reply)
      await ctx.audit(req, { action: 'auth.logout', target: auth.user.id, result: 'ok' })
      return { ok: true }
    },
  )
}
