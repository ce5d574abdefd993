import type { Ctx } from '../context.ts'
import type { LoginSessionRecord } from './login-sessions.ts'
import { remainingRecoveryCodes, type User } from './users.ts'
import type { LoginSessionView, MeView } from '../../common/wire/accounts.ts'
import { principalOf } from './session-auth.ts'

/** A session as its owner sees it. */
export function sessionView(hash: string, r: LoginSessionRecord, currentHash: string): LoginSessionView {
  return {
    id: hash,
    current: hash === currentHash,
    createdAt: new Date(r.createdAtMs).toISOString(),
    lastSeenAt: new Date(r.lastSeenAtMs).toISOString(),
    expiresAt: new Date(r.absoluteExpiresAtMs).toISOString(),
    remember: r.remember,
    ip: r.ip,
    userAgent: r.userAgent,
  }
}

/** The `me` body: user, roles, this session and its CSRF token. */
export async function meView(ctx: Ctx, user: User, hash: string, r: LoginSessionRecord): Promise<MeView> {
  const p = await principalOf(ctx, user, r)
  const until = r.mfaAtMs > 0 ? r.mfaAtMs + ctx.config.stepUpMaxAgeSec * 1000 : 0
  return {
    user: {
      id: user.id,
      email: user.email,
      displayName: user.displayName,
      isAdmin: user.isAdmin,
      totpEnabled: user.totpEnabled,
      recoveryCodesLeft: user.totpEnabled ? await remainingRecoveryCodes(ctx.db, user.id) : 0,
      roles: [...p.eventRoles],
    },
    session: sessionView(hash, r, hash),
    csrfToken: r.csrf,
    stepUpValidUntil: until > ctx.now() ? new Date(until).toISOString() : null,
  }
}
