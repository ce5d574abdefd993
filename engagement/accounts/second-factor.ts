import type { Ctx } from '../context.ts'
import { unseal } from '../platform/crypto.ts'
import { hashRecoveryCode, verifyTotp } from './totp.ts'
import { claimRecoveryCode, claimTotpStep, type User } from './users.ts'

/** A second factor as submitted: a TOTP code or a recovery code. */
export interface FactorInput {
  totpCode?: string
  recoveryCode?: string
}

/**
 * Checks a second factor and consumes it: a TOTP step is accepted once only (the last used step is
 * kept, and claimed atomically against concurrent use); a recovery code works once.
 */
export async function checkSecondFactor(ctx: Ctx, user: User, input: FactorInput): Promise<'totp' | 'recoveryCode' | null> {
  if (!user.totpEnabled || user.totpSecret === null) return null
  if (input.totpCode !== undefined) {
    const step = await verifyTotp(unseal(ctx.config.dataSecret, user.totpSecret), input.totpCode, user.totpLastStep, ctx.now())
    if (step === null) return null
    return (await claimTotpStep(ctx.db, user.id, step)) ? 'totp' : null
  }
  if (input.recoveryCode !== undefined) {
    return (await claimRecoveryCode(ctx.db, user.id, hashRecoveryCode(input.recoveryCode))) ? 'recoveryCode' : null
  }
  return null
}
