// The one write check (signed in, event exists, not banned, not timed out) and the cache behind it.
import { describe, it, expect, afterAll } from 'vitest'
import { makeApp, organizer, signedIn, stepUp } from '../test-support.ts'
import { checkParticipation, decideParticipation, participationError, participationErrorMsg, type ParticipationDecision } from './participation.ts'
import { liftRestriction, putBan, putTimeout, type Restriction } from './chat/restrictions.ts'
import { eventStates } from './settings/event-state.ts'

const NOW = 1_800_000_000_000

describe('decideParticipation', () => {
  it.each<[string, string | null, Restriction | undefined, string]>([
    ['guest', null, undefined, 'UNAUTHENTICATED'],
    ['guest even when a ban row exists', null, { kind: 'ban', untilMs: null }, 'UNAUTHENTICATED'],
    ['signed in, free', 'u', undefined, 'ok'],
    ['banned', 'u', { kind: 'ban', untilMs: null }, 'BANNED'],
    ['timed out', 'u', { kind: 'timeout', untilMs: NOW + 1 }, 'TIMED_OUT'],
    ['timeout ends exactly now', 'u', { kind: 'timeout', untilMs: NOW }, 'ok'],
    ['timeout over', 'u', { kind: 'timeout', untilMs: NOW - 1 }, 'ok'],
  ])('%s', (_name, user, r, want) => {
    const d: ParticipationDecision = decideParticipation(user, r, NOW)
    expect(d.ok ? 'ok' : d.code).toBe(want)
  })

  it.each<[string, string | null, Restriction | undefined, string]>([
    ['ended: guest still 401 first', null, undefined, 'UNAUTHENTICATED'],
    ['ended: new content refused', 'u', undefined, 'EVENT_ENDED'],
    ['ended: before the ban', 'u', { kind: 'ban', untilMs: null }, 'EVENT_ENDED'],
  ])('%s', (_name, user, r, want) => {
    const d = decideParticipation(user, r, NOW, true)
    expect(d.ok ? 'ok' : d.code).toBe(want)
  })

  it('renders refusals for REST and for the socket', () => {
    const e = participationError({ ok: false, status: 403, code: 'TIMED_OUT', untilMs: NOW + 90_500 }, NOW)
    expect(e).toMatchObject({ status: 403, code: 'TIMED_OUT', extra: { until: new Date(NOW + 90_500).toISOString(), retryAfterSec: 91 } })
    expect(participationErrorMsg({ ok: false, status: 403, code: 'BANNED' }, 'r1')).toEqual({ type: 'error', code: 'BANNED', message: expect.any(String) as string, ref: 'r1' })
  })
})

describe('checkParticipation on a running app', async () => {
  const t = await makeApp({ interactionStateCacheMs: 60_000 })
  afterAll(() => t.close())
  const idOf = async (a: Awaited<ReturnType<typeof signedIn>>): Promise<string> => ((await a.req('GET', '/api/auth/me')).body.user as { id: string }).id

  it('refuses guests, unknown events, bans and timeouts; a change is seen at once despite the cache', async () => {
    const { eventId, a: org } = await organizer(t)
    const viewer = await idOf(await signedIn(t))
    const by = await idOf(org)
    expect(await checkParticipation(t.ctx, eventId, null)).toMatchObject({ ok: false, code: 'UNAUTHENTICATED' })
    expect(await checkParticipation(t.ctx, 'no-such-event', viewer)).toMatchObject({ ok: false, code: 'EVENT_NOT_FOUND' })
    expect(await checkParticipation(t.ctx, eventId, viewer)).toMatchObject({ ok: true, state: { settings: { qaPremoderation: true, slowModeSec: 0 } } })

    const now = t.clock.now()
    expect(await putTimeout(t.ctx.db, { eventId, userId: viewer, untilMs: now + 60_000, reason: '', by, nowMs: now })).toBe(true)
    // Cached: without the change notice the old state would still be served for a minute.
    expect((await checkParticipation(t.ctx, eventId, viewer)).ok).toBe(true)
    await eventStates(t.ctx).changed(eventId)
    expect(await checkParticipation(t.ctx, eventId, viewer)).toMatchObject({ ok: false, code: 'TIMED_OUT', untilMs: now + 60_000 })
    t.clock.advance(60_000)
    expect((await checkParticipation(t.ctx, eventId, viewer)).ok).toBe(true)

    expect(await putBan(t.ctx.db, { eventId, userId: viewer, reason: 'spam', by, nowMs: t.clock.now() })).toBe(true)
    expect(await putBan(t.ctx.db, { eventId, userId: viewer, reason: 'spam', by, nowMs: t.clock.now() })).toBe(false)
    // A timeout never shortens a ban.
    expect(await putTimeout(t.ctx.db, { eventId, userId: viewer, untilMs: t.clock.now() + 10_000, reason: '', by, nowMs: t.clock.now() })).toBe(false)
    await eventStates(t.ctx).changed(eventId)
    expect(await checkParticipation(t.ctx, eventId, viewer)).toMatchObject({ ok: false, code: 'BANNED' })

    expect(await liftRestriction(t.ctx.db, eventId, viewer, t.clock.now())).toBe(true)
    expect(await liftRestriction(t.ctx.db, eventId, viewer, t.clock.now())).toBe(false)
    await eventStates(t.ctx).changed(eventId)
    expect((await checkParticipation(t.ctx, eventId, viewer)).ok).toBe(true)
  })

  it('the end of an event is seen at once despite the cache, and refuses new content only', async () => {
    const { eventId, a: org, secret } = await organizer(t)
    const viewer = await idOf(await signedIn(t))
    expect((await checkParticipation(t.ctx, eventId, viewer, { newContent: true })).ok).toBe(true)
    await stepUp(org, secret)
    expect((await org.req('POST', `/api/events/${eventId}/end`)).status).toBe(200)
    expect(await checkParticipation(t.ctx, eventId, viewer, { newContent: true })).toMatchObject({ ok: false, status: 409, code: 'EVENT_ENDED' })
    expect(await checkParticipation(t.ctx, eventId, viewer)).toMatchObject({ ok: true, state: { ended: true } })
  })

  it('an event created after a miss is found (absence is never cached)', async () => {
    const viewer = await idOf(await signedIn(t))
    expect((await checkParticipation(t.ctx, 'ev-later', viewer)).ok).toBe(false)
    await organizer(t, 'ev-later')
    expect((await checkParticipation(t.ctx, 'ev-later', viewer)).ok).toBe(true)
  })

  it('new users get a generated display name that is not their email', async () => {
    const rows = await t.ctx.db.query<{ email: string; display_name: string }>('SELECT email, display_name FROM users')
    expect(rows.length).toBeGreaterThan(2)
    for (const r of rows) {
      expect(r.display_name).toMatch(/^viewer-[0-9a-f]{4}$/)
      expect(r.display_name).not.toContain(r.email.split('@')[0] ?? '')
    }
  })
})
