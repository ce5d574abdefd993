// Who moderates an event's Q&A and chat: its organizers, creators and moderators, at medium sensitivity (role + 2FA session).
import type { FastifyRequest } from 'fastify'
import type { Ctx } from '../../context.ts'
import { hasEventRole, type EventRole } from '../../accounts/access.ts'
import { requireEventAccess } from '../../accounts/access-guard.ts'
import type { AuthState } from '../../accounts/session-auth.ts'

/** Event roles that moderate (and are exempt from slow mode). */
export const MODERATOR_ROLES: readonly EventRole[] = ['organizer', 'creator', 'moderator']

/**
 * Enforces the medium tier for a moderation action on the event (404 when the event is absent,
 * then role, 2FA enrolled, 2FA proven in this session); refusals are audited under `action`.
 */
export async function requireModerator(ctx: Ctx, req: FastifyRequest, eventId: string, action: string, target?: string): Promise<AuthState> {
  const { auth } = await requireEventAccess(ctx, req, { eventId, tier: 'medium', roles: MODERATOR_ROLES, action, ...(target !== undefined ? { target } : {}) })
  return auth
}

/** True when the caller holds a moderating role on the event (no 2FA needed for what this grants: looser send limits). */
export function holdsModeratorRole(auth: AuthState | null, eventId: string): boolean {
  return auth !== null && hasEventRole(auth.principal, eventId, MODERATOR_ROLES)
}
