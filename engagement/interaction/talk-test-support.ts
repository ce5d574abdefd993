// Test helpers of the talk features: an event with a 2FA moderator, signed-in viewers with their ids, and audit reads.
import { freshEmail, organizer, signedIn, enrollTotp, stepUp, type Agent, type TestApp } from '../test-support.ts'

/** A signed-in viewer and their user id. */
export interface Viewer {
  a: Agent
  id: string
}

/** Signs a fresh viewer in. */
export async function viewer(t: TestApp, ip = '10.0.0.1'): Promise<Viewer> {
  const a = await signedIn(t, freshEmail(), ip)
  const me = await a.req('GET', '/api/auth/me')
  return { a, id: (me.body.user as { id: string }).id }
}

/** A fresh event whose organizer (2FA session) moderates it. */
export interface Stage {
  eventId: string
  /** The organizer: a moderator with a 2FA session. */
  mod: Agent
  modId: string
  modSecret: string
}

/** Creates an event with its organizer. */
export async function stage(t: TestApp): Promise<Stage> {
  const o = await organizer(t)
  const me = await o.a.req('GET', '/api/auth/me')
  return { eventId: o.eventId, mod: o.a, modId: (me.body.user as { id: string }).id, modSecret: o.secret }
}

/** A user granted `role` on the stage's event, optionally with 2FA enrolled (which proves it in the session). */
export async function withRole(t: TestApp, s: Stage, role: 'moderator' | 'creator', opts: { totp: boolean }): Promise<Viewer> {
  const email = freshEmail()
  const a = await signedIn(t, email)
  if (opts.totp) await enrollTotp(a)
  await stepUp(s.mod, s.modSecret)
  const g = await s.mod.req('POST', `/api/events/${s.eventId}/roles`, { email, role })
  if (g.status !== 200) throw new Error(`grant ${String(g.status)} ${JSON.stringify(g.body)}`)
  const me = await a.req('GET', '/api/auth/me')
  return { a, id: (me.body.user as { id: string }).id }
}

/** Audit rows of the event for `action`, oldest first. */
export async function auditOf(t: TestApp, eventId: string, action: string): Promise<{ result: string; target: string; detail: string; actor_id: string | null }[]> {
  return t.ctx.db.query('SELECT result, target, detail, actor_id FROM audit_log WHERE event_id = $1 AND action = $2 ORDER BY id', [eventId, action])
}

/** Ends the stage's event through `endStream` (the organizer steps up first). */
export async function endEvent(s: Stage): Promise<void> {
  await stepUp(s.mod, s.modSecret)
  const r = await s.mod.req('POST', `/api/events/${s.eventId}/end`)
  if (r.status !== 200) throw new Error(`endStream ${String(r.status)} ${JSON.stringify(r.body)}`)
}
