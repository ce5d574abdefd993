import { Type } from 'typebox'
import type { App } from '../platform/app-type.ts'
import type { Ctx } from '../context.ts'
import { randomToken, seal, unseal } from '../platform/crypto.ts'
import { hashRecoveryCode, newRecoveryCodes, newTotpSecret, totpProvisioning, verifyTotp } from './totp.ts'
import { enableTotp } from './users.ts'
import { ApiError } from '../platform/errors.ts'
import { errorResponses } from '../platform/schemas.ts'
import { MeView, RecoveryCode, TotpCode, TotpEnrollment } from '../../common/wire/accounts.ts'
import { accessError, requireSession, stepUpChallenge } from './access-guard.ts'
import { meView } from './account-views.ts'
import { checkSecondFactor } from './second-factor.ts'
import { setSessionCookie } from './session-auth.ts'

interface Pending {
  sealedSecret: string
  recoveryHashes: string[]
}

const PENDING_TTL_MS = 15 * 60_000
const pendingKey = (userId: string): string => `totp-pending:${userId}`
const tooMany = (retryAfterSec: number): ApiError => new ApiError(429, 'TOO_MANY_ATTEMPTS', 'too many attempts; wait and try again', { retryAfterSec })

/** me, enrollTotp, confirmTotp, stepUp. */
export function totpRoutes(app: App, ctx: Ctx): void {
  app.get(
    '/api/auth/me',
    { schema: { operationId: 'me', tags: ['auth'], summary: 'The signed-in user, roles, session and CSRF token', response: { 200: MeView, ...errorResponses } } },
    async (req) => {
      const auth = requireSession(req)
      return meView(ctx, auth.user, auth.hash, auth.record)
    },
  )

  app.post(
    '/api/auth/totp/enroll',
    {
      schema: {
        operationId: 'enrollTotp',
        tags: ['auth'],
        summary: 'Start 2FA enrollment: otpauth URL, QR code and 10 one-use recovery codes (shown once)',
        response: {
          200: TotpEnrollment,
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const auth = requireSession(req)
      // Replacing an active second factor is as sensitive as any high-tier action.
      if (auth.user.totpEnabled && ctx.now() - auth.record.mfaAtMs > ctx.config.stepUpMaxAgeSec * 1000) throw accessError(ctx, 401, 'STEP_UP_REQUIRED')
      const secret = newTotpSecret()
      const codes = newRecoveryCodes()
      const pending: Pending = { sealedSecret: seal(ctx.config.dataSecret, secret), recoveryHashes: codes.map(hashRecoveryCode) }
      await ctx.kv.set(pendingKey(auth.user.id), JSON.stringify(pending), PENDING_TTL_MS)
      const prov = await totpProvisioning(ctx.config.totpIssuer, auth.user.email, secret)
      await ctx.audit(req, { action: 'totp.enroll', target: auth.user.id, result: 'ok' })
      return { ...prov, secret, recoveryCodes: codes }
    },
  )

  app.post(
    '/api/auth/totp/confirm',
    {
      schema: {
        operationId: 'confirmTotp',
        tags: ['auth'],
        summary: 'Finish enrollment with a first code; turns 2FA on and counts as a fresh second factor',
        body: Type.Object({ totpCode: TotpCode }, { additionalProperties: false }),
        response: { 200: MeView, ...errorResponses },
      },
    },
    async (req) => {
      const auth = requireSession(req)
      const raw = await ctx.kv.get(pendingKey(auth.user.id))
      if (raw === null) throw new ApiError(409, 'NO_PENDING_ENROLLMENT', 'start enrollment first (or it expired)')
      const t = await ctx.throttles.totp.check(auth.user.id, req.ip)
      if (!t.ok) throw tooMany(t.retryAfterSec)
      const pending = JSON.parse(raw) as Pending
      const step = await verifyTotp(unseal(ctx.config.dataSecret, pending.sealedSecret), req.body.totpCode, 0, ctx.now())
      if (step === null) {
        await ctx.throttles.totp.fail(auth.user.id, req.ip)
        await ctx.audit(req, { action: 'totp.confirm', target: auth.user.id, result: 'failed' })
        throw new ApiError(400, 'INVALID_TOTP', 'that code is wrong; check the time on your device')
      }
      await ctx.throttles.totp.succeed(auth.user.id, req.ip)
      await ctx.db.tx((q) => enableTotp(q, auth.user.id, pending.sealedSecret, step, pending.recoveryHashes))
      await ctx.kv.del(pendingKey(auth.user.id))
      // Other sessions were not proven with the new factor; end them.
      await ctx.loginSessions.destroyAll(auth.user.id, auth.hash)
      const record = { ...auth.record, mfaAtMs: ctx.now() }
      await ctx.loginSessions.update(auth.hash, record)
      await ctx.audit(req, { action: 'totp.confirm', target: auth.user.id, result: 'ok' })
      return meView(ctx, { ...auth.user, totpEnabled: true, totpSecret: pending.sealedSecret, totpLastStep: step }, auth.hash, record)
    },
  )

  app.post(
    '/api/auth/step-up',
    {
      schema: {
        operationId: 'stepUp',
        tags: ['auth'],
        summary: 'Prove a second factor again; high-sensitivity actions are allowed for stepUpMaxAgeSec. Issues a new session id and CSRF token.',
        body: Type.Object({ totpCode: Type.Optional(TotpCode), recoveryCode: Type.Optional(RecoveryCode) }, { additionalProperties: false }),
        response: { 200: MeView, ...errorResponses },
      },
    },
    async (req, reply) => {
      const auth = requireSession(req)
      if (!auth.user.totpEnabled) throw accessError(ctx, 403, 'TOTP_ENROLLMENT_REQUIRED')
      if (req.body.totpCode === undefined && req.body.recoveryCode === undefined) {
        throw new ApiError(400, 'VALIDATION', 'body: send totpCode or recoveryCode', { stepUp: stepUpChallenge(ctx) })
      }
      const t = await ctx.throttles.stepUp.check(auth.user.id, req.ip)
      if (!t.ok) throw tooMany(t.retryAfterSec)
      const factor = await checkSecondFactor(ctx, auth.user, req.body)
      if (factor === null) {
        await ctx.throttles.stepUp.fail(auth.user.id, req.ip)
        await ctx.audit(req, { action: 'auth.step_up', target: auth.user.id, result: 'failed' })
        throw new ApiError(401, 'INVALID_TOTP', 'that code is wrong or was already used', { stepUp: stepUpChallenge(ctx) })
      }
      await ctx.throttles.stepUp.succeed(auth.user.id, req.ip)
      const next = await ctx.loginSessions.rotate(auth.hash, auth.record, { mfaAtMs: ctx.now(), csrf: randomToken(24) })
      setSessionCookie(ctx, reply, next.id, next.record)
      await ctx.audit(req, { action: 'auth.step_up', target: auth.user.id, result: 'ok', detail: factor })
      return meView(ctx, auth.user, next.hash, next.record)
    },
  )
}
