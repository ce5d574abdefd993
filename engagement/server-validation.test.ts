import { describe, it, expect, afterAll } from 'vitest'
import fc from 'fast-check'
import { Agent, makeApp, organizer } from './test-support.ts'

describe('input validation: bad input is a 4xx with a clear message, never a 5xx', async () => {
  const t = await makeApp({ bodyLimitBytes: 4096 })
  afterAll(() => t.close())
  const post = (url: string, payload: string, contentType = 'application/json') =>
    t.app.inject({ method: 'POST', url, headers: { 'content-type': contentType }, payload })

  it.each([
    ['malformed JSON', '/api/auth/login', '{"email": "a@b.c", "password": ', 400, 'BAD_JSON'],
    ['empty JSON body', '/api/auth/login', '', 400, 'BAD_JSON'],
    ['missing field', '/api/auth/login', '{"email":"a@b.co"}', 400, 'VALIDATION'],
    ['wrong type', '/api/auth/login', '{"email":"a@b.co","password":5}', 400, 'VALIDATION'],
    ['unknown property', '/api/auth/login', '{"email":"a@b.co","password":"xxxxxxxxx","admin":true}', 400, 'VALIDATION'],
    ['not an email', '/api/auth/register', '{"email":"nope","password":"xxxxxxxxxx"}', 400, 'VALIDATION'],
    ['array instead of object', '/api/auth/register', '[1,2,3]', 400, 'VALIDATION'],
    ['bad TOTP format', '/api/auth/login', '{"email":"a@b.co","password":"xxxxxxxxx","totpCode":"12ab56"}', 400, 'VALIDATION'],
    ['prototype pollution attempt', '/api/auth/login', '{"__proto__":{"x":1},"email":"a@b.co","password":"xxxxxxxxx"}', 400, undefined],
  ])('%s → %i', async (_name, url, payload, status, code) => {
    const r = await post(url, payload)
    expect(r.statusCode).toBe(status)
    const body = r.json<{ error: string; message: string }>()
    if (code !== undefined) expect(body.error).toBe(code)
    expect(body.message.length).toBeGreaterThan(0)
  })

  it('oversized body → 413, not 500', async () => {
    const r = await post('/api/auth/login', JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(10_000) }))
    expect(r.statusCode).toBe(413)
    expect(r.json()).toMatchObject({ error: 'BODY_TOO_LARGE' })
  })

  it('non-JSON content types → 415', async () => {
    const r = await post('/api/auth/login', 'email=a@b.co&password=x', 'application/x-www-form-urlencoded')
    expect(r.statusCode).toBe(415)
    expect(r.json()).toMatchObject({ error: 'UNSUPPORTED_MEDIA_TYPE' })
  })

  it('bad params and query strings → 400', async () => {
    const a = new Agent(t)
    expect((await a.req('GET', '/api/events/UPPER_and spaces')).status).toBe(400)
    expect((await a.req('GET', '/api/events?limit=abc')).status).toBe(400)
    expect((await a.req('GET', '/api/events?limit=100000')).status).toBe(400)
    expect((await a.req('GET', '/api/events?status=bogus')).status).toBe(400)
    const { a: org, eventId } = await organizer(t)
    expect((await org.req('DELETE', `/api/events/${eventId}/stream-keys/$$$`)).status).toBe(400)
    expect((await org.req('DELETE', '/api/sessions/not-hex')).status).toBe(400)
  })

  it('NUL characters (which PostgreSQL text refuses) → 400, not a database error', async () => {
    const { a: org } = await organizer(t)
    const r = await org.req('POST', '/api/events', { id: 'nul-event', title: 'bad\u0000title' })
    expect(r.status).toBe(400)
    expect(r.body.error).toBe('VALIDATION')
    expect((await org.req('GET', '/api/events/nul-event')).status).toBe(404)
    expect((await t.app.inject({ method: 'GET', url: '/api/events?status=%00' })).statusCode).toBe(400)
  })

  it('unknown API paths → 404 JSON', async () => {
    const r = await t.app.inject({ method: 'GET', url: '/api/nope' })
    expect(r.statusCode).toBe(404)
    expect(r.json()).toMatchObject({ error: 'NOT_FOUND' })
  })

  it('random JSON bodies on every body-taking route never produce a 5xx (property)', async () => {
    const urls = ['/api/auth/register', '/api/auth/login', '/api/auth/step-up', '/api/auth/totp/confirm', '/api/events', '/api/internal/stream-keys/authorize']
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...urls), fc.oneof(fc.jsonValue(), fc.string({ unit: 'binary' }), fc.object({ values: [fc.string({ unit: 'binary' })] })), async (url, value) => {
        const payload = typeof value === 'string' ? value : JSON.stringify(value)
        const r = await post(url, payload)
        expect(r.statusCode).toBeGreaterThanOrEqual(400)
        expect(r.statusCode).toBeLessThan(500)
      }),
      { numRuns: 150 },
    )
  })

  it('random text reaching the database (event titles) never produces a 5xx (property)', async () => {
    const { a: org } = await organizer(t)
    let n = 0
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 100 }), async (title, description) => {
        n += 1
        const r = await org.req('POST', '/api/events', { id: `prop-${n}`, title, description })
        expect([201, 400]).toContain(r.status)
      }),
      { numRuns: 60 },
    )
  })
})
