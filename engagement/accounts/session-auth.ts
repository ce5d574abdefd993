import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Ctx } from '../context.ts'
import type { LoginSessionRecord } from './login-sessions.ts'
import type { Principal } from './access.ts'
import { eventRoles, userById, type User } from './users.ts'
import { safeEqual } from '../platform/crypto.ts'
import { ApiError } from '../platform/errors.ts'
import { gateOperation } from '../platform/auth-gate.ts'

/** The signed-in caller of a request. */
export interface AuthState {
  /** Public session id (hash of the cookie value). */
  hash: string
  record: LoginSessionRecord
  user: User
  principal: Principal
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthState | null
  }
  interface FastifyContextConfig {
    /** false: no CSRF check (login, register, internal routes authenticated by bearer token). */
    csrf?: boolean
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** Sets the session cookie: HttpOnly, SameSite=Lax, Secure outside dev. */
export function setSessionCookie(ctx: Ctx, reply: FastifyReply, id: string, record: LoginSessionRecord): void {
  void reply.setCookie(ctx.config.cookieName, id, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: !ctx.config.dev,
    // Persistent only for "keep me signed in"; otherwise a browser-session cookie.
    ...(record.remember ? { expires: new Date(record.absoluteExpiresAtMs) } : {}),
  })
}

/** Expires the session cookie in the browser. */
export function clearSessionCookie(ctx: Ctx, reply: FastifyReply): void {
  void reply.clearCookie(ctx.config.cookieName, { path: '/', httpOnly: true, sameSite: 'lax', secure: !ctx.config.dev })
}

/** Builds the principal used by access decisions. */
export async function principalOf(ctx: Ctx, user: User, record: LoginSessionRecord): Promise<Principal> {
  return { userId: user.id, isAdmin: user.isAdmin, totpEnabled: user.totpEnabled, eventRoles: await eventRoles(ctx.db, user.id), mfaAtMs: record.mfaAtMs }
}

async function loadAuth(ctx: Ctx, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  req.auth = null
  const id = req.cookies[ctx.config.cookieName]
  if (id === undefined || id === '') return
  const loaded = await ctx.loginSessions.load(id)
  if (loaded === null) {
    clearSessionCookie(ctx, reply)
    return
  }
  const user = await userById(ctx.db, loaded.record.userId)
  if (user === null) {
    await ctx.loginSessions.destroy(loaded.hash, loaded.record.userId)
    clearSessionCookie(ctx, reply)
    return
  }
  if (loaded.newId !== undefined) setSessionCookie(ctx, reply, loaded.newId, loaded.record)
  req.auth = { hash: loaded.hash, record: loaded.record, user, principal: await principalOf(ctx, user, loaded.record) }
}

/**
 * Loads the cookie session into `req.auth`, refuses anonymous calls to protected operations
 * ({@link gateOperation}) and enforces the synchronizer CSRF token on changes. All of it runs on
 * request, before the body is parsed or anything is validated.
 */
export function registerSessionAuth(app: FastifyInstance, ctx: Ctx): void {
  app.decorateRequest('auth', null)
  app.addHook('onRequest', async (req, reply) => {
    if (req.url.startsWith('/api/') && !req.url.startsWith('/api/internal/')) await loadAuth(ctx, req, reply)
    gateOperation(req, ctx.config.internalToken)
    if (req.auth === null || !UNSAFE.has(req.method) || req.routeOptions.config.csrf === false) return
    const token = req.headers['x-csrf-token']
    if (typeof token !== 'string' || !safeEqual(token, req.auth.record.csrf)) {
      throw new ApiError(403, 'CSRF_TOKEN_INVALID', 'missing or wrong X-CSRF-Token header; read it from /api/auth/me')
    }
  })
}
