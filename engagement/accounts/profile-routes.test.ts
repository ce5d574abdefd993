// updateProfile: the display name chat and Q&A show, validated, never derived from the email; shown in me.
import { describe, it, expect, afterAll } from 'vitest'
import { Agent, freshEmail, makeApp, signedIn } from '../test-support.ts'

describe('updateProfile', async () => {
  const t = await makeApp()
  afterAll(() => t.close())

  it('a new account has a generated name unrelated to its email; the user can change it, within the rule', async () => {
    const email = freshEmail()
    const a = await signedIn(t, email)
    const me = (await a.req('GET', '/api/auth/me')).body.user as { id: string; displayName: string }
    expect(me.displayName).toMatch(/^viewer-[0-9a-f]{4}$/)
    expect(me.displayName).not.toContain(email.split('@')[0] ?? '')

    for (const bad of ['', ' ', ' lead', 'a'.repeat(33), 'me@example.test', 'tab\there', 'zero\u200bwidth', '<script>']) {
      const r = await a.req('PATCH', '/api/me/profile', { displayName: bad })
      expect([bad, r.status, r.body.error]).toEqual([bad, 400, 'VALIDATION'])
    }
    expect((await a.req('PATCH', '/api/me/profile', { displayName: 'ok', email: 'x' })).body.error).toBe('VALIDATION')
    const r = await a.req('PATCH', '/api/me/profile', { displayName: 'Zoë  the_Fan-2.0' })
    expect(r.body).toEqual({ userId: me.id, displayName: 'Zoë the_Fan-2.0' })
    expect(((await a.req('GET', '/api/auth/me')).body.user as { displayName: string }).displayName).toBe('Zoë the_Fan-2.0')
    // Names need not be unique.
    const b = await signedIn(t)
    expect((await b.req('PATCH', '/api/me/profile', { displayName: 'Zoë the_Fan-2.0' })).status).toBe(200)
    const audit = await t.ctx.db.query<{ result: string }>("SELECT result FROM audit_log WHERE action = 'profile.update' AND actor_id = $1", [me.id])
    expect(audit.map((x) => x.result)).toEqual(['ok'])
  })

  it('needs a session (401 before validation) and the CSRF token', async () => {
    expect((await new Agent(t).req('PATCH', '/api/me/profile', { nonsense: true })).status).toBe(401)
    const a = await signedIn(t)
    expect((await a.req('PATCH', '/api/me/profile', { displayName: 'x' }, { csrf: false })).body.error).toBe('CSRF_TOKEN_INVALID')
  })
})
