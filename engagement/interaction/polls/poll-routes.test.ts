import { describe, it, expect, afterAll } from 'vitest'
import type { Poll } from '../../../common/wire/interaction.ts'
import { Agent, enrollTotp, makeApp, organizer, signedIn } from '../../test-support.ts'
import { collectPublished } from '../../realtime/test-support.ts'
import { grantEventRole } from '../../accounts/users.ts'
import { pollService } from './poll-service.ts'

const GRACE = 5000

describe('poll operations', async () => {
  const t = await makeApp({ pollVoteGraceMs: GRACE, pollVotesPerAccountPerMin: 1000 })
  afterAll(() => t.close())
  const polls = pollService(t.ctx)
  const host = await organizer(t)
  const { eventId } = host
  const base = `/api/events/${eventId}/polls`

  async function userId(a: Agent): Promise<string> {
    const me = await a.req('GET', '/api/auth/me')
    return (me.body.user as { id: string }).id
  }

  async function create(body: Record<string, unknown> = { question: 'Encore?', options: ['Yes', 'No'] }, a: Agent = host.a): Promise<Poll> {
    const r = await a.req('POST', base, body)
    expect(r.status).toBe(201)
    return r.body as unknown as Poll
  }

  async function openOne(body?: Record<string, unknown>): Promise<Poll> {
    const p = await create(body)
    const r = await host.a.req('POST', `${base}/${p.id}/open`)
    expect(r.status).toBe(200)
    return r.body as unknown as Poll
  }

  async function auditOf(action: string, target: string): Promise<{ result: string; detail: string }[]> {
    return t.ctx.db.query('SELECT result, detail FROM audit_log WHERE action = $1 AND target = $2 ORDER BY id', [action, target])
  }

  it('the OpenAPI document lists the six poll operations under /api/events/{eventId}/polls', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json<{ paths: Record<string, Record<string, { operationId: string }>> }>()
    const ops = Object.entries(doc.paths).flatMap(([path, byMethod]) => Object.entries(byMethod).map(([method, op]) => `${op.operationId} ${method.toUpperCase()} ${path}`))
    expect(ops).toEqual(
      expect.arrayContaining([
        'createPoll POST /api/events/{eventId}/polls',
        'listPolls GET /api/events/{eventId}/polls',
        'getPoll GET /api/events/{eventId}/polls/{pollId}',
        'openPoll POST /api/events/{eventId}/polls/{pollId}/open',
        'closePoll POST /api/events/{eventId}/polls/{pollId}/close',
        'votePoll POST /api/events/{eventId}/polls/{pollId}/votes',
      ]),
    )
  })

  describe('createPoll', () => {
    it('creates a draft poll object with stable option ids, audited, shown to moderators only', async () => {
      const pub = await collectPublished(t.ctx.kv, eventId)
      const p = await create({ question: '  Which song next?  ', options: ['Intro', ' Ballad ', 'Finale'], durationSec: 30 })
      expect(p).toMatchObject({
        eventId,
        status: 'draft',
        question: 'Which song next?',
        options: [
          { id: 'o1', text: 'Intro', votes: 0 },
          { id: 'o2', text: 'Ballad', votes: 0 },
          { id: 'o3', text: 'Finale', votes: 0 },
        ],
        totalVotes: 0,
        audience: 'everyone',
        durationSec: 30,
        openedAt: null,
        closesAt: null,
        final: false,
        createdAt: new Date(t.clock.now()).toISOString(),
      })
      expect(await auditOf('poll.create', p.id)).toEqual([{ result: 'ok', detail: '' }])
      await pub.waitFor((m) => m.type === 'poll' && m.poll.id === p.id, { audience: 'moderators' })
      expect(pub.public().some((m) => m.type === 'poll')).toBe(false)
      await pub.stop()
    })

    it.each([
      ['one option', { question: 'Q', options: ['only'] }, 'VALIDATION'],
      ['eleven options', { question: 'Q', options: Array.from({ length: 11 }, (_, i) => `o${String(i)}`) }, 'VALIDATION'],
      ['a duration under 10 s', { question: 'Q', options: ['a', 'b'], durationSec: 5 }, 'VALIDATION'],
      ['an unknown audience', { question: 'Q', options: ['a', 'b'], audience: 'subscribers' }, 'VALIDATION'],
      ['an unknown field', { question: 'Q', options: ['a', 'b'], multiple: true }, 'VALIDATION'],
      ['a too long question', { question: 'x'.repeat(201), options: ['a', 'b'] }, 'VALIDATION'],
      ['a blank option', { question: 'Q', options: ['a', '   '] }, 'EMPTY_TEXT'],
      ['two options that read the same', { question: 'Q', options: ['Yes', 'yes '] }, 'DUPLICATE_OPTION'],
    ])('refuses %s with 400', async (_name, body, code) => {
      const r = await host.a.req('POST', base, body)
      expect(r.status).toBe(400)
      expect(r.body.error).toBe(code)
    })

    it('anonymous callers get 401 before their body is looked at', async () => {
      const r = await t.app.inject({ method: 'POST', url: base, headers: { 'content-type': 'application/json' }, payload: '{"question": ' })
      expect(r.statusCode).toBe(401)
      expect(r.json()).toMatchObject({ error: 'UNAUTHENTICATED' })
    })

    it('a viewer without a role is refused 403 (audited); an unknown event is 404', async () => {
      const viewer = await signedIn(t)
      const r = await viewer.req('POST', base, { question: 'Q', options: ['a', 'b'] })
      expect(r.status).toBe(403)
      expect(r.body.error).toBe('FORBIDDEN')
      expect(await t.ctx.db.query("SELECT 1 FROM audit_log WHERE action = 'poll.create' AND result = 'denied' AND event_id = $1", [eventId])).toHaveLength(1)
      expect((await host.a.req('POST', '/api/events/no-such-event/polls', { question: 'Q', options: ['a', 'b'] })).body.error).toBe('EVENT_NOT_FOUND')
    })

    it('a moderator needs 2FA enrolled and proven in the session (medium tier), but no recent step-up', async () => {
      const mod = await signedIn(t)
      await grantEventRole(t.ctx.db, await userId(mod), eventId, 'moderator')
      const noTotp = await mod.req('POST', base, { question: 'Q', options: ['a', 'b'] })
      expect([noTotp.status, noTotp.body.error]).toEqual([403, 'TOTP_ENROLLMENT_REQUIRED'])
      // Enrolling proves the factor in this session (other sessions are signed out; a session of a
      // 2FA account that never proved it is refused STEP_UP_REQUIRED, accounts/access.test.ts).
      await enrollTotp(mod)
      expect((await mod.req('POST', base, { question: 'Q', options: ['a', 'b'] })).status).toBe(201)
      // Medium, not high: a factor proven longer ago than the step-up window still counts.
      t.clock.advance((t.ctx.config.stepUpMaxAgeSec + 1) * 1000)
      expect((await mod.req('POST', base, { question: 'Q', options: ['a', 'b'] })).status).toBe(201)
      const creator = await signedIn(t)
      await grantEventRole(t.ctx.db, await userId(creator), eventId, 'creator')
      await enrollTotp(creator)
      expect((await creator.req('POST', base, { question: 'Q', options: ['a', 'b'] })).status).toBe(201)
      const advertiser = await signedIn(t)
      await grantEventRole(t.ctx.db, await userId(advertiser), eventId, 'advertiser')
      await enrollTotp(advertiser)
      expect((await advertiser.req('POST', base, { question: 'Q', options: ['a', 'b'] })).body.error).toBe('FORBIDDEN')
    })
  })

  describe('openPoll and closePoll', () => {
    it('open stamps openedAt and the countdown, is published to everyone, and is idempotent; close stamps closedAt', async () => {
      const p = await create({ question: 'Q', options: ['a', 'b'], durationSec: 60 })
      const pub = await collectPublished(t.ctx.kv, eventId)
      t.clock.advance(1000)
      const opened = await host.a.req('POST', `${base}/${p.id}/open`)
      const now = t.clock.now()
      expect(opened.status).toBe(200)
      expect(opened.body).toMatchObject({ status: 'open', openedAt: new Date(now).toISOString(), closesAt: new Date(now + 60_000).toISOString(), votesAcceptedUntil: new Date(now + 60_000 + GRACE).toISOString() })
      const msg = await pub.waitFor((m) => m.type === 'poll' && m.poll.id === p.id && m.poll.status === 'open', { audience: 'public' })
      expect(msg).toEqual({ type: 'poll', poll: opened.body })
      t.clock.advance(1000)
      const again = await host.a.req('POST', `${base}/${p.id}/open`)
      expect(again.body.openedAt).toBe(new Date(now).toISOString())
      t.clock.advance(2000)
      const closed = await host.a.req('POST', `${base}/${p.id}/close`)
      expect(closed.body).toMatchObject({ status: 'closed', closedAt: new Date(now + 3000).toISOString(), votesAcceptedUntil: new Date(now + 3000 + GRACE).toISOString(), final: false })
      await pub.waitFor((m) => m.type === 'poll' && m.poll.id === p.id && m.poll.status === 'closed', { audience: 'public' })
      expect((await host.a.req('POST', `${base}/${p.id}/close`)).body.closedAt).toBe(new Date(now + 3000).toISOString())
      expect((await auditOf('poll.open', p.id)).map((a) => a.detail)).toEqual(['', 'unchanged'])
      expect((await auditOf('poll.close', p.id)).map((a) => a.detail)).toEqual(['', 'unchanged'])
      await pub.stop()
    })

    it('a closed poll is never reopened (409 POLL_CLOSED); a draft cannot be closed (409 POLL_NOT_OPEN); both audited', async () => {
      const p = await openOne()
      await host.a.req('POST', `${base}/${p.id}/close`)
      const reopen = await host.a.req('POST', `${base}/${p.id}/open`)
      expect([reopen.status, reopen.body.error]).toEqual([409, 'POLL_CLOSED'])
      const d = await create()
      const closeDraft = await host.a.req('POST', `${base}/${d.id}/close`)
      expect([closeDraft.status, closeDraft.body.error]).toEqual([409, 'POLL_NOT_OPEN'])
      expect(await auditOf('poll.close', d.id)).toEqual([{ result: 'denied', detail: 'POLL_NOT_OPEN' }])
    })

    it("unknown polls and another event's polls are 404 POLL_NOT_FOUND; other hosts are 403", async () => {
      const p = await create()
      const two = await organizer(t)
      const foreign = await two.a.req('POST', `/api/events/${two.eventId}/polls/${p.id}/open`)
      expect([foreign.status, foreign.body.error]).toEqual([404, 'POLL_NOT_FOUND'])
      expect((await host.a.req('POST', `${base}/nonexistent-poll/open`)).body.error).toBe('POLL_NOT_FOUND')
      expect((await two.a.req('POST', `${base}/${p.id}/open`)).body.error).toBe('FORBIDDEN')
      expect((await t.app.inject({ method: 'POST', url: `${base}/${p.id}/open` })).statusCode).toBe(401)
      expect((await host.a.req('POST', `${base}/bad$id/open`)).status).toBe(400)
    })
  })

  describe('getPoll and listPolls', () => {
    it('anyone reads open and closed polls; drafts are for hosts only; listPolls is newest first', async () => {
      const two = await organizer(t)
      const b2 = `/api/events/${two.eventId}/polls`
      const draft = (await two.a.req('POST', b2, { question: 'Draft', options: ['a', 'b'] })).body as unknown as Poll
      t.clock.advance(10)
      const live = (await two.a.req('POST', b2, { question: 'Live', options: ['a', 'b'] })).body as unknown as Poll
      await two.a.req('POST', `${b2}/${live.id}/open`)
      const anon = new Agent(t)
      const got = await anon.req('GET', `${b2}/${live.id}`)
      expect(got.status).toBe(200)
      expect(got.body).toMatchObject({ id: live.id, status: 'open', question: 'Live' })
      expect((await anon.req('GET', `${b2}/${draft.id}`)).body.error).toBe('POLL_NOT_FOUND')
      expect((await (await signedIn(t)).req('GET', `${b2}/${draft.id}`)).status).toBe(404)
      expect((await two.a.req('GET', `${b2}/${draft.id}`)).body).toMatchObject({ status: 'draft' })
      expect(((await anon.req('GET', b2)).body.polls as Poll[]).map((p) => p.id)).toEqual([live.id])
      expect(((await two.a.req('GET', b2)).body.polls as Poll[]).map((p) => p.id)).toEqual([live.id, draft.id])
      // The same poll under another event's path is not there.
      expect((await anon.req('GET', `${base}/${live.id}`)).status).toBe(404)
      expect((await anon.req('GET', '/api/events/no-such-event/polls')).body.error).toBe('EVENT_NOT_FOUND')
      expect((await anon.req('GET', `${b2}?limit=0`)).status).toBe(400)
    })
  })

  describe('votePoll', () => {
    it('201 once stored; a second vote is 409 ALREADY_VOTED and changes nothing; counts show in getPoll', async () => {
      const p = await openOne({ question: 'Q', options: ['a', 'b', 'c'] })
      const voters = await Promise.all([signedIn(t), signedIn(t), signedIn(t)])
      const url = `${base}/${p.id}/votes`
      expect((await voters[0]?.req('POST', url, { optionId: 'o2' }))?.status).toBe(201)
      expect((await voters[1]?.req('POST', url, { optionId: 'o2' }))?.status).toBe(201)
      expect((await voters[2]?.req('POST', url, { optionId: 'o3' }))?.status).toBe(201)
      const second = await voters[0]?.req('POST', url, { optionId: 'o1' })
      expect([second?.status, second?.body.error]).toEqual([409, 'ALREADY_VOTED'])
      const got = (await new Agent(t).req('GET', `${base}/${p.id}`)).body as unknown as Poll
      expect(got.options.map((o) => o.votes)).toEqual([0, 2, 1])
      expect(got.totalVotes).toBe(3)
    })

    it.each([
      ['an unknown option', 'o9', 400, 'UNKNOWN_OPTION'],
      ['a missing option id', undefined, 400, 'VALIDATION'],
    ])('refuses %s', async (_name, optionId, status, code) => {
      const p = await openOne()
      const r = await (await signedIn(t)).req('POST', `${base}/${p.id}/votes`, optionId === undefined ? {} : { optionId })
      expect([r.status, r.body.error]).toEqual([status, code])
    })

    it('refuses drafts (409 POLL_NOT_OPEN), unknown polls and polls of another event (404 POLL_NOT_FOUND)', async () => {
      const voter = await signedIn(t)
      const d = await create()
      expect((await voter.req('POST', `${base}/${d.id}/votes`, { optionId: 'o1' })).body.error).toBe('POLL_NOT_OPEN')
      expect((await voter.req('POST', `${base}/nonexistent-poll/votes`, { optionId: 'o1' })).body.error).toBe('POLL_NOT_FOUND')
      const two = await organizer(t)
      const p = await openOne()
      const r = await voter.req('POST', `/api/events/${two.eventId}/polls/${p.id}/votes`, { optionId: 'o1' })
      expect([r.status, r.body.error]).toEqual([404, 'POLL_NOT_FOUND'])
      expect((await voter.req('POST', `/api/events/no-such-event/polls/${p.id}/votes`, { optionId: 'o1' })).status).toBe(404)
    })

    it('anonymous voters get 401 before validation', async () => {
      const p = await openOne()
      const r = await t.app.inject({ method: 'POST', url: `${base}/${p.id}/votes`, headers: { 'content-type': 'application/json' }, payload: '{"optionId": 5, "x": [' })
      expect(r.statusCode).toBe(401)
      expect(r.json()).toMatchObject({ error: 'UNAUTHENTICATED' })
    })

    it('banned and timed-out accounts are refused (403 BANNED, 403 TIMED_OUT with retry-after) and nothing is stored', async () => {
      const p = await openOne()
      const [banned, timedOut] = await Promise.all([signedIn(t), signedIn(t)])
      expect((await host.a.req('POST', `/api/events/${eventId}/chat/bans`, { userId: await userId(banned) })).status).toBe(200)
      expect((await host.a.req('POST', `/api/events/${eventId}/chat/timeouts`, { userId: await userId(timedOut), durationSec: 60 })).status).toBe(200)
      const url = `${base}/${p.id}/votes`
      const r1 = await banned.req('POST', url, { optionId: 'o1' })
      expect([r1.status, r1.body.error]).toEqual([403, 'BANNED'])
      const r2 = await timedOut.req('POST', url, { optionId: 'o1' })
      expect([r2.status, r2.body.error]).toEqual([403, 'TIMED_OUT'])
      expect(Number(r2.res.headers['retry-after'])).toBeGreaterThan(0)
      expect(((await banned.req('GET', `${base}/${p.id}`)).body as unknown as Poll).totalVotes).toBe(0)
      // The timeout ends; the vote counts then.
      t.clock.advance(60_000)
      expect((await timedOut.req('POST', url, { optionId: 'o1' })).status).toBe(201)
    })

    it('takes votes through the grace after close, then refuses them; final counts come from the database', async () => {
      const p = await openOne({ question: 'Q', options: ['a', 'b'] })
      const url = `${base}/${p.id}/votes`
      const [a, b, c] = await Promise.all([signedIn(t), signedIn(t), signedIn(t)])
      const pub = await collectPublished(t.ctx.kv, eventId)
      expect((await a.req('POST', url, { optionId: 'o1' })).status).toBe(201)
      await host.a.req('POST', `${base}/${p.id}/close`)
      t.clock.advance(GRACE - 1)
      expect((await b.req('POST', url, { optionId: 'o2' })).status).toBe(201)
      t.clock.advance(1)
      const late = await c.req('POST', url, { optionId: 'o2' })
      expect([late.status, late.body.error]).toEqual([409, 'POLL_NOT_OPEN'])
      await polls.sweep()
      const final = (await a.req('GET', `${base}/${p.id}`)).body as unknown as Poll
      expect(final).toMatchObject({ status: 'closed', final: true, totalVotes: 2 })
      expect(final.options.map((o) => o.votes)).toEqual([1, 1])
      const msg = await pub.waitFor((m) => m.type === 'poll' && m.poll.id === p.id && m.poll.final, { audience: 'public' })
      expect(msg).toEqual({ type: 'poll', poll: final })
      await pub.stop()
      // Another sweep finds nothing to do; the final counts stay even if the live tally says otherwise.
      await polls.sweep()
      await t.ctx.kv.hMax(`poll:tally:${p.id}`, { 'ghost|o1': 50 }, 60_000)
      expect(((await a.req('GET', `${base}/${p.id}`)).body as unknown as Poll).options.map((o) => o.votes)).toEqual([1, 1])
    })

    it('a poll with a duration closes by itself at its end; the sweep records it and publishes it', async () => {
      const p = await openOne({ question: 'Q', options: ['a', 'b'], durationSec: 10 })
      const voter = await signedIn(t)
      // Subscribed before the clock moves: the background sweep may get there before the explicit one.
      const pub = await collectPublished(t.ctx.kv, eventId)
      t.clock.advance(10_000)
      const seen = (await voter.req('GET', `${base}/${p.id}`)).body as unknown as Poll
      expect(seen).toMatchObject({ status: 'closed', closedAt: p.closesAt })
      // Within the grace after its end the vote still counts.
      expect((await voter.req('POST', `${base}/${p.id}/votes`, { optionId: 'o1' })).status).toBe(201)
      await polls.sweep()
      await pub.waitFor((m) => m.type === 'poll' && m.poll.id === p.id && m.poll.status === 'closed' && !m.poll.final, { audience: 'public' })
      const rows = await t.ctx.db.query<{ status: string }>('SELECT status FROM polls WHERE id = $1', [p.id])
      expect(rows[0]?.status).toBe('closed')
      t.clock.advance(GRACE)
      await polls.sweep()
      expect((await voter.req('GET', `${base}/${p.id}`)).body).toMatchObject({ final: true, totalVotes: 1 })
      await pub.stop()
    })
  })
})

describe('vote rate limit per account', async () => {
  const t = await makeApp({ pollVotesPerAccountPerMin: 3 })
  afterAll(() => t.close())
  it('holds per account in fixed windows of the service clock, with retry-after', async () => {
    const host = await organizer(t)
    const voter = await signedIn(t)
    const other = await signedIn(t)
    const url = (id: string): string => `/api/events/${host.eventId}/polls/${id}/votes`
    for (let i = 0; i < 3; i++) expect((await voter.req('POST', url('nonexistent-poll'), { optionId: 'o1' })).status).toBe(404)
    const limited = await voter.req('POST', url('nonexistent-poll'), { optionId: 'o1' })
    expect([limited.status, limited.body.error]).toEqual([429, 'TOO_MANY_REQUESTS'])
    expect(Number(limited.res.headers['retry-after'])).toBeGreaterThan(0)
    expect((await other.req('POST', url('nonexistent-poll'), { optionId: 'o1' })).status).toBe(404)
    t.clock.advance(60_000)
    expect((await voter.req('POST', url('nonexistent-poll'), { optionId: 'o1' })).status).toBe(404)
  })
})
