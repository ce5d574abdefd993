import { describe, it, expect, afterAll } from 'vitest'
import { enrollTotp, freshEmail, makeApp, organizer, signedIn, stepUp, type Agent } from '../test-support.ts'

interface AuditRow {
  action: string
  result: string
  target: string
  detail: string
}

describe('granting and revoking event roles: high sensitivity, audited', async () => {
  const t = await makeApp({ stepUpMaxAgeSec: 300 })
  afterAll(() => t.close())
  const audit = async (a: Agent, eventId: string): Promise<AuditRow[]> => (await a.req('GET', `/api/audit?eventId=${eventId}&limit=500`)).body.entries as AuditRow[]

  /** A second user with 2FA, and their id. */
  async function member(): Promise<{ a: Agent; secret: string; email: string; id: string }> {
    const email = freshEmail()
    const a = await signedIn(t, email)
    const { secret } = await enrollTotp(a)
    const me = await a.req('GET', '/api/auth/me')
    return { a, secret, email, id: (me.body.user as { id: string }).id }
  }

  it('granting without a fresh step-up is refused with STEP_UP_REQUIRED and audited as denied', async () => {
    const org = await organizer(t)
    const m = await member()
    t.clock.advance(301_000)
    const r = await org.a.req('POST', `/api/events/${org.eventId}/roles`, { email: m.email, role: 'creator' })
    expect(r.status).toBe(401)
    expect(r.body).toMatchObject({ error: 'STEP_UP_REQUIRED', stepUp: { endpoint: '/api/auth/step-up' } })
    expect((await m.a.req('GET', `/api/events/${org.eventId}/stream-keys`)).status).toBe(403)
    await stepUp(org.a, org.secret)
    const rows = await audit(org.a, org.eventId)
    expect(rows.find((e) => e.action === 'event.grant_role')).toMatchObject({ result: 'denied', detail: 'STEP_UP_REQUIRED' })
  })

  it('with a fresh step-up the grant works and is audited; the grantee gains access', async () => {
    const org = await organizer(t)
    const m = await member()
    await stepUp(org.a, org.secret)
    expect((await org.a.req('POST', `/api/events/${org.eventId}/roles`, { email: m.email, role: 'creator' })).status).toBe(200)
    expect((await m.a.req('GET', `/api/events/${org.eventId}/stream-keys`)).status).toBe(200)
    const rows = await audit(org.a, org.eventId)
    expect(rows.find((e) => e.action === 'event.grant_role' && e.result === 'ok')).toMatchObject({ target: `${m.id}:creator` })
    const listed = await org.a.req('GET', `/api/events/${org.eventId}/roles`)
    expect(listed.status).toBe(200)
    expect(listed.body.roles).toContainEqual({ userId: m.id, email: m.email, role: 'creator' })
    // Unknown grantees are refused, and that refusal is audited too.
    expect((await org.a.req('POST', `/api/events/${org.eventId}/roles`, { email: freshEmail(), role: 'creator' })).status).toBe(404)
    expect((await audit(org.a, org.eventId)).some((e) => e.action === 'event.grant_role' && e.result === 'denied' && e.detail === 'USER_NOT_FOUND')).toBe(true)
  })

  it('revoking needs a fresh step-up, is audited, and the revoked user loses access at once', async () => {
    const org = await organizer(t)
    const m = await member()
    await stepUp(org.a, org.secret)
    await org.a.req('POST', `/api/events/${org.eventId}/roles`, { email: m.email, role: 'creator' })
    expect((await m.a.req('GET', `/api/events/${org.eventId}/stream-keys`)).status).toBe(200)

    t.clock.advance(301_000)
    const stale = await org.a.req('DELETE', `/api/events/${org.eventId}/roles/${m.id}/creator`)
    expect(stale.status).toBe(401)
    expect(stale.body.error).toBe('STEP_UP_REQUIRED')
    expect((await m.a.req('GET', `/api/events/${org.eventId}/stream-keys`)).status).toBe(200)

    await stepUp(org.a, org.secret)
    expect((await org.a.req('DELETE', `/api/events/${org.eventId}/roles/${m.id}/creator`)).status).toBe(200)
    const after = await m.a.req('GET', `/api/events/${org.eventId}/stream-keys`)
    expect(after.status).toBe(403)
    expect(after.body.error).toBe('FORBIDDEN')
    expect((await org.a.req('DELETE', `/api/events/${org.eventId}/roles/${m.id}/creator`)).body.error).toBe('ROLE_NOT_FOUND')
    const rows = await audit(org.a, org.eventId)
    expect(rows.find((e) => e.action === 'event.revoke_role' && e.result === 'ok')).toMatchObject({ target: `${m.id}:creator` })
    expect(rows.some((e) => e.action === 'event.revoke_role' && e.result === 'denied' && e.detail === 'STEP_UP_REQUIRED')).toBe(true)
  })

  it('a non-organizer may neither grant nor revoke', async () => {
    const org = await organizer(t)
    const m = await member()
    await stepUp(org.a, org.secret)
    await org.a.req('POST', `/api/events/${org.eventId}/roles`, { email: m.email, role: 'creator' })
    await stepUp(m.a, m.secret)
    expect((await m.a.req('POST', `/api/events/${org.eventId}/roles`, { email: m.email, role: 'organizer' })).body.error).toBe('FORBIDDEN')
    const me = (await org.a.req('GET', '/api/auth/me')).body.user as { id: string }
    expect((await m.a.req('DELETE', `/api/events/${org.eventId}/roles/${me.id}/organizer`)).body.error).toBe('FORBIDDEN')
  })

  it('the last organizer cannot be revoked; with a second organizer, one may go', async () => {
    const org = await organizer(t)
    const me = (await org.a.req('GET', '/api/auth/me')).body.user as { id: string }
    await stepUp(org.a, org.secret)
    const last = await org.a.req('DELETE', `/api/events/${org.eventId}/roles/${me.id}/organizer`)
    expect(last.status).toBe(409)
    expect(last.body.error).toBe('LAST_ORGANIZER')
    const m = await member()
    await org.a.req('POST', `/api/events/${org.eventId}/roles`, { email: m.email, role: 'organizer' })
    expect((await org.a.req('DELETE', `/api/events/${org.eventId}/roles/${me.id}/organizer`)).status).toBe(200)
    await stepUp(m.a, m.secret)
    expect((await m.a.req('DELETE', `/api/events/${org.eventId}/roles/${m.id}/organizer`)).body.error).toBe('LAST_ORGANIZER')
  })
})
