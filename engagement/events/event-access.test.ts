import { describe, it, expect, afterAll } from 'vitest'
import { Agent, enrollTotp, freshEmail, makeApp, organizer, signedIn, stepUp } from '../test-support.ts'

describe('roles, tiers, stream keys, going live, monetization, audit', async () => {
  const t = await makeApp({ stepUpMaxAgeSec: 300 })
  afterAll(() => t.close())
  const internal = (streamKey: string, token = 'internal-test-token') =>
    t.app.inject({ method: 'POST', url: '/api/internal/stream-keys/authorize', headers: { authorization: `Bearer ${token}` }, payload: { streamKey } })

  it('public event details need no account; creating one needs 2FA', async () => {
    const { eventId } = await organizer(t)
    const anon = new Agent(t)
    expect((await anon.req('GET', `/api/events/${eventId}`)).body).toMatchObject({ id: eventId, status: 'scheduled' })
    expect(((await anon.req('GET', '/api/events')).body.events as { id: string }[]).some((e) => e.id === eventId)).toBe(true)
    expect((await anon.req('GET', '/api/events/no-such-event')).status).toBe(404)
    const viewer = await signedIn(t)
    const r = await viewer.req('POST', '/api/events', { id: 'viewer-event', title: 'x' })
    expect(r.status).toBe(403)
    expect(r.body.error).toBe('TOTP_ENROLLMENT_REQUIRED')
    expect((await anon.req('POST', '/api/events', { id: 'anon-event', title: 'x' })).status).toBe(401)
  })

  it('high-sensitivity actions need a second factor within the last 5 minutes, else a step-up challenge', async () => {
    const { a, secret, eventId } = await organizer(t)
    t.clock.advance(301_000)
    const r = await a.req('POST', `/api/events/${eventId}/stream-keys`, { angle: 'main' })
    expect(r.status).toBe(401)
    expect(r.body).toMatchObject({ error: 'STEP_UP_REQUIRED', stepUp: { endpoint: '/api/auth/step-up', maxAgeSec: 300 } })
    // Medium-tier listing still works without a recent factor.
    expect((await a.req('GET', `/api/events/${eventId}/stream-keys`)).status).toBe(200)
    await stepUp(a, secret)
    expect((await a.req('POST', `/api/events/${eventId}/stream-keys`, { angle: 'main' })).status).toBe(201)
    t.clock.advance(299_000)
    expect((await a.req('POST', `/api/events/${eventId}/stream-keys`, { angle: 'side' })).status).toBe(201)
    t.clock.advance(2_000)
    expect((await a.req('POST', `/api/events/${eventId}/start`)).body.error).toBe('STEP_UP_REQUIRED')
  })

  it('wrong role, and the right role on another event, are refused', async () => {
    const one = await organizer(t)
    const two = await organizer(t)
    await stepUp(two.a, two.secret)
    const other = await two.a.req('POST', `/api/events/${one.eventId}/stream-keys`, { angle: 'main' })
    expect(other.status).toBe(403)
    expect(other.body.error).toBe('FORBIDDEN')
    expect((await two.a.req('GET', `/api/events/${one.eventId}/monetization`)).status).toBe(403)

    // A creator on event one (2FA on) may handle keys but not monetization, which is organizer-only.
    const email = freshEmail()
    const creator = await signedIn(t, email)
    const { secret } = await enrollTotp(creator)
    await stepUp(one.a, one.secret)
    expect((await one.a.req('POST', `/api/events/${one.eventId}/roles`, { email, role: 'creator' })).status).toBe(200)
    await stepUp(creator, secret)
    expect((await creator.req('POST', `/api/events/${one.eventId}/stream-keys`, { angle: 'main' })).status).toBe(201)
    expect((await creator.req('GET', `/api/events/${one.eventId}/monetization`)).body.error).toBe('FORBIDDEN')
    expect((await creator.req('POST', `/api/events/${two.eventId}/stream-keys`, { angle: 'main' })).body.error).toBe('FORBIDDEN')
  })

  it('a creator without 2FA may not act in the role', async () => {
    const one = await organizer(t)
    const email = freshEmail()
    const creator = await signedIn(t, email)
    await stepUp(one.a, one.secret)
    await one.a.req('POST', `/api/events/${one.eventId}/roles`, { email, role: 'creator' })
    const r = await creator.req('GET', `/api/events/${one.eventId}/stream-keys`)
    expect(r.status).toBe(403)
    expect(r.body.error).toBe('TOTP_ENROLLMENT_REQUIRED')
  })

  it('stream keys are masked until revealed; revoked keys and non-live events are refused at connect', async () => {
    const { a, secret, eventId } = await organizer(t)
    await stepUp(a, secret)
    const created = await a.req('POST', `/api/events/${eventId}/stream-keys`, { angle: 'main', label: 'Stage cam' })
    const key = created.body.streamKey as string
    const id = (created.body.key as { id: string }).id
    const list = await a.req('GET', `/api/events/${eventId}/stream-keys`)
    const listed = JSON.stringify(list.body)
    expect(listed).not.toContain(key)
    expect(listed).toContain(key.slice(-4))
    const revealed = await a.req('POST', `/api/events/${eventId}/stream-keys/${id}/reveal`)
    expect(revealed.body.streamKey).toBe(key)

    expect((await internal(key)).json()).toEqual({ ok: false, reason: 'EVENT_NOT_LIVE' })
    expect((await internal('live_nonsense')).json()).toEqual({ ok: false, reason: 'UNKNOWN_KEY' })
    expect((await internal(key, 'wrong-token')).statusCode).toBe(401)

    const live = await a.req('POST', `/api/events/${eventId}/start`)
    expect(live.body).toMatchObject({ event: { status: 'live' } })
    expect((await internal(key)).json()).toEqual({ ok: true, target: { event: eventId, angle: 'main' }, label: 'Stage cam' })

    // Rotation revokes the previous key of the angle.
    const rotated = await a.req('POST', `/api/events/${eventId}/stream-keys`, { angle: 'main' })
    expect(rotated.body.revokedIds).toEqual([id])
    expect((await internal(key)).json()).toEqual({ ok: false, reason: 'REVOKED_KEY' })
    const key2 = rotated.body.streamKey as string
    const id2 = (rotated.body.key as { id: string }).id
    expect((await internal(key2)).json()).toMatchObject({ ok: true })
    expect((await a.req('DELETE', `/api/events/${eventId}/stream-keys/${id2}`)).status).toBe(200)
    expect((await internal(key2)).json()).toEqual({ ok: false, reason: 'REVOKED_KEY' })
    expect((await a.req('DELETE', `/api/events/${eventId}/stream-keys/${id2}`)).status).toBe(404)
  })

  it('endStream ends the event, calls the origin, and later connects are refused', async () => {
    const { a, secret, eventId } = await organizer(t)
    await stepUp(a, secret)
    const key = (await a.req('POST', `/api/events/${eventId}/stream-keys`, { angle: 'main' })).body.streamKey as string
    await a.req('POST', `/api/events/${eventId}/start`)
    const end = await a.req('POST', `/api/events/${eventId}/end`)
    expect(end.body).toMatchObject({ event: { status: 'ended' }, originStopped: true })
    expect(t.originCalls).toContain(eventId)
    expect((await internal(key)).json()).toEqual({ ok: false, reason: 'EVENT_NOT_LIVE' })
    expect((await a.req('POST', `/api/events/${eventId}/start`)).body.error).toBe('EVENT_ENDED')
  })

  it('monetization is organizer-only and high sensitivity', async () => {
    const { a, secret, eventId } = await organizer(t)
    t.clock.advance(400_000)
    expect((await a.req('GET', `/api/events/${eventId}/monetization`)).body.error).toBe('STEP_UP_REQUIRED')
    await stepUp(a, secret)
    const put = await a.req('PUT', `/api/events/${eventId}/monetization`, { priceCents: 500, currency: 'EUR', payoutIban: 'DE89370400440532013000', payoutHolder: 'Org GmbH' })
    expect(put.status).toBe(200)
    expect((await a.req('GET', `/api/events/${eventId}/monetization`)).body).toMatchObject({ priceCents: 500, payoutHolder: 'Org GmbH' })
    expect((await a.req('PUT', `/api/events/${eventId}/monetization`, { priceCents: -1, currency: 'EUR', payoutIban: '', payoutHolder: '' })).status).toBe(400)
  })

  it('audit: sensitive actions and refusals are recorded; organizers see their events, admins everything', async () => {
    const { a, secret, eventId } = await organizer(t)
    await stepUp(a, secret)
    await a.req('POST', `/api/events/${eventId}/stream-keys`, { angle: 'main' })
    const intruder = await organizer(t)
    await stepUp(intruder.a, intruder.secret)
    await intruder.a.req('POST', `/api/events/${eventId}/start`)
    const log = await a.req('GET', `/api/audit?eventId=${eventId}`)
    expect(log.status).toBe(200)
    const entries = log.body.entries as { action: string; result: string; actorId: string; ip: string; at: string; target: string }[]
    expect(entries.find((e) => e.action === 'stream_key.create')).toMatchObject({ result: 'ok', ip: '10.0.0.1' })
    expect(entries.find((e) => e.action === 'stream.start')).toMatchObject({ result: 'denied' })
    expect((await intruder.a.req('GET', `/api/audit?eventId=${eventId}`)).status).toBe(403)
    expect((await a.req('GET', '/api/audit')).status).toBe(400)

    const adminEmail = freshEmail()
    const admin = await signedIn(t, adminEmail)
    await t.ctx.db.query('UPDATE users SET is_admin = true WHERE email = $1', [adminEmail])
    await enrollTotp(admin)
    const all = await admin.req('GET', '/api/audit?limit=500')
    expect(all.status).toBe(200)
    expect((all.body.entries as { eventId: string | null }[]).some((e) => e.eventId === eventId)).toBe(true)
    expect((all.body.entries as { eventId: string | null }[]).some((e) => e.eventId !== eventId)).toBe(true)
  })
})
