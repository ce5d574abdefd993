import { describe, it, expect, afterAll } from 'vitest'
import { Agent, GOOD_PASSWORD, codeAt, enrollTotp, freshEmail, makeApp, signedIn } from '../test-support.ts'
import { solveProof } from './proof-of-work.ts'

describe('accounts, sessions and 2FA', async () => {
  const t = await makeApp({ sessionIdleSec: 600, sessionAbsoluteSec: 3600, rememberIdleSec: 86_400, rememberAbsoluteSec: 30 * 86_400, rememberRotateSec: 3600 })
  afterAll(() => t.close())

  it('register answers the same for a new and an existing email; login errors do not tell them apart', async () => {
    const email = freshEmail()
    const a = new Agent(t)
    const first = await a.req('POST', '/api/auth/register', { email, password: GOOD_PASSWORD })
    const again = await a.req('POST', '/api/auth/register', { email, password: 'another good passphrase' })
    expect(first.status).toBe(202)
    expect(again.status).toBe(202)
    expect(again.body).toEqual(first.body)
    const wrongPw = await a.req('POST', '/api/auth/login', { email, password: 'not the password' })
    const noUser = await a.req('POST', '/api/auth/login', { email: freshEmail(), password: 'not the password' })
    expect(wrongPw.status).toBe(401)
    expect(noUser.status).toBe(401)
    expect(noUser.body).toEqual(wrongPw.body)
    // The first registration's password still works; the second did not overwrite it.
    expect((await a.req('POST', '/api/auth/login', { email, password: GOOD_PASSWORD })).status).toBe(200)
  })

  it('refuses short and common passwords with a clear code, allows 64+ characters without composition rules', async () => {
    const a = new Agent(t)
    expect((await a.req('POST', '/api/auth/register', { email: freshEmail(), password: 'short' })).body.error).toBe('PASSWORD_TOO_SHORT')
    expect((await a.req('POST', '/api/auth/register', { email: freshEmail(), password: 'Password123' })).body.error).toBe('PASSWORD_COMMON')
    const long = 'x'.repeat(70)
    const email = freshEmail()
    expect((await a.req('POST', '/api/auth/register', { email, password: long })).status).toBe(202)
    expect((await a.req('POST', '/api/auth/login', { email, password: long })).status).toBe(200)
  })

  it('session cookie is HttpOnly and SameSite=Lax; the id is new on every login', async () => {
    const email = freshEmail()
    const a = await signedIn(t, email)
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: GOOD_PASSWORD } })
    const c = res.cookies.find((x) => x.name === t.ctx.config.cookieName)
    expect(c?.httpOnly).toBe(true)
    expect(c?.sameSite).toBe('Lax')
    expect(`${c?.name}=${c?.value}`).not.toBe(a.cookie)
  })

  it('Secure cookie outside dev', async () => {
    const prod = await makeApp({ dev: false })
    try {
      const email = freshEmail()
      await new Agent(prod).req('POST', '/api/auth/register', { email, password: GOOD_PASSWORD })
      const res = await prod.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: GOOD_PASSWORD } })
      expect(res.cookies.find((x) => x.name === prod.ctx.config.cookieName)?.secure).toBe(true)
    } finally {
      await prod.close()
    }
  })

  it('cookie-authenticated changes need the CSRF token', async () => {
    const a = await signedIn(t)
    const missing = await a.req('POST', '/api/auth/logout', undefined, { csrf: false })
    expect(missing.status).toBe(403)
    expect(missing.body.error).toBe('CSRF_TOKEN_INVALID')
    const wrong = await a.req('POST', '/api/auth/logout', undefined, { csrf: false, headers: { 'x-csrf-token': 'nope' } })
    expect(wrong.status).toBe(403)
    expect((await a.req('GET', '/api/auth/me')).status).toBe(200)
    expect((await a.req('POST', '/api/auth/logout')).status).toBe(200)
    expect((await a.req('GET', '/api/auth/me')).status).toBe(401)
  })

  it('idle and absolute timeouts end sessions', async () => {
    const a = await signedIn(t)
    t.clock.advance(599_000)
    expect((await a.req('GET', '/api/auth/me')).status).toBe(200)
    t.clock.advance(600_000)
    expect((await a.req('GET', '/api/auth/me')).status).toBe(401)

    const b = await signedIn(t)
    for (let i = 0; i < 7; i++) {
      t.clock.advance(500_000)
      expect((await b.req('GET', '/api/auth/me')).status).toBe(200)
    }
    t.clock.advance(500_000) // 4000 s since login > 3600 s absolute
    expect((await b.req('GET', '/api/auth/me')).status).toBe(401)
  })

  it('"keep me signed in" lives longer and rotates its id; the old id stops working', async () => {
    const email = freshEmail()
    const a = new Agent(t)
    await a.req('POST', '/api/auth/register', { email, password: GOOD_PASSWORD })
    const l = await a.req('POST', '/api/auth/login', { email, password: GOOD_PASSWORD, remember: true })
    expect(l.status).toBe(200)
    const setCookie = l.res.cookies.find((c) => c.name === t.ctx.config.cookieName)
    expect(setCookie?.expires).toBeInstanceOf(Date)
    const first = a.cookie
    t.clock.advance(3_700_000)
    expect((await a.req('GET', '/api/auth/me')).status).toBe(200)
    expect(a.cookie).not.toBe(first)
    // After the short grace for in-flight requests, the old id is dead.
    t.clock.advance(31_000)
    const stale = new Agent(t)
    stale.cookie = first
    expect((await stale.req('GET', '/api/auth/me')).status).toBe(401)
    // Well past the 1 h absolute limit of an ordinary session, still signed in.
    for (let i = 0; i < 5; i++) {
      t.clock.advance(3_000_000)
      expect((await a.req('GET', '/api/auth/me')).status).toBe(200)
    }
  })

  it('lists own sessions and revokes one; a revoked session is refused', async () => {
    const email = freshEmail()
    const a = await signedIn(t, email)
    const b = new Agent(t, '10.9.9.9')
    expect((await b.req('POST', '/api/auth/login', { email, password: GOOD_PASSWORD })).status).toBe(200)
    const list = await a.req('GET', '/api/sessions')
    const sessions = list.body.sessions as { id: string; current: boolean; ip: string }[]
    expect(sessions).toHaveLength(2)
    const other = sessions.find((s) => !s.current)
    expect(other?.ip).toBe('10.9.9.9')
    expect((await a.req('DELETE', `/api/sessions/${other?.id}`)).status).toBe(200)
    expect((await b.req('GET', '/api/auth/me')).status).toBe(401)
    // Someone else's session id is not found, not revoked.
    const c = await signedIn(t)
    const mine = ((await c.req('GET', '/api/sessions')).body.sessions as { id: string }[])[0]
    expect((await a.req('DELETE', `/api/sessions/${mine?.id}`)).status).toBe(404)
    expect((await c.req('GET', '/api/auth/me')).status).toBe(200)
  })

  it('TOTP: enrollment gives QR and 10 recovery codes; login then needs a code; a code is accepted once only', async () => {
    const email = freshEmail()
    const a = await signedIn(t, email)
    const e = await a.req('POST', '/api/auth/totp/enroll')
    expect(e.body.otpauthUrl).toMatch(/^otpauth:\/\/totp\//)
    expect(e.body.qrDataUrl).toMatch(/^data:image\/png;base64,/)
    expect(e.body.recoveryCodes).toHaveLength(10)
    const secret = e.body.secret as string
    expect((await a.req('POST', '/api/auth/totp/confirm', { totpCode: '000000' })).status).toBe(400)
    const code = await codeAt(t, secret)
    const ok = await a.req('POST', '/api/auth/totp/confirm', { totpCode: code })
    expect(ok.status).toBe(200)
    expect((ok.body.user as { totpEnabled: boolean }).totpEnabled).toBe(true)

    const b = new Agent(t)
    expect((await b.req('POST', '/api/auth/login', { email, password: GOOD_PASSWORD })).body.error).toBe('TOTP_REQUIRED')
    // Same code, same time step: a replay.
    const replay = await b.req('POST', '/api/auth/login', { email, password: GOOD_PASSWORD, totpCode: code })
    expect(replay.status).toBe(401)
    expect(replay.body.error).toBe('INVALID_TOTP')
    t.clock.advance(30_000)
    const fresh = await codeAt(t, secret)
    expect((await b.req('POST', '/api/auth/login', { email, password: GOOD_PASSWORD, totpCode: fresh })).status).toBe(200)
    const c = new Agent(t)
    expect((await c.req('POST', '/api/auth/login', { email, password: GOOD_PASSWORD, totpCode: fresh })).body.error).toBe('INVALID_TOTP')
  })

  it('recovery codes work once', async () => {
    const email = freshEmail()
    const a = await signedIn(t, email)
    const { recoveryCodes } = await enrollTotp(a)
    const code = recoveryCodes[0] ?? ''
    const b = new Agent(t)
    expect((await b.req('POST', '/api/auth/login', { email, password: GOOD_PASSWORD, recoveryCode: code.toUpperCase() })).status).toBe(200)
    expect((await b.req('GET', '/api/auth/me')).body.user).toMatchObject({ recoveryCodesLeft: 9 })
    const c = new Agent(t)
    expect((await c.req('POST', '/api/auth/login', { email, password: GOOD_PASSWORD, recoveryCode: code })).status).toBe(401)
  })

  it('step-up issues a new session id and CSRF token; the old id is dead; replayed and wrong codes are refused', async () => {
    const a = await signedIn(t)
    const { secret } = await enrollTotp(a)
    const before = { cookie: a.cookie, csrf: a.csrf }
    const code = await codeAt(t, secret)
    const r = await a.req('POST', '/api/auth/step-up', { totpCode: code })
    expect(r.status).toBe(200)
    expect(r.body.stepUpValidUntil).toBe(new Date(t.clock.now() + 300_000).toISOString())
    expect(a.cookie).not.toBe(before.cookie)
    expect(a.csrf).not.toBe(before.csrf)
    const old = new Agent(t)
    old.cookie = before.cookie
    expect((await old.req('GET', '/api/auth/me')).status).toBe(401)
    const replay = await a.req('POST', '/api/auth/step-up', { totpCode: code })
    expect(replay.status).toBe(401)
    expect(replay.body.error).toBe('INVALID_TOTP')
    expect(replay.body.stepUp).toMatchObject({ endpoint: '/api/auth/step-up' })
  })

  it('turning 2FA on ends the other sessions; replacing it needs a recent second factor', async () => {
    const email = freshEmail()
    const a = await signedIn(t, email)
    const other = new Agent(t, '10.7.7.7')
    expect((await other.req('POST', '/api/auth/login', { email, password: GOOD_PASSWORD })).status).toBe(200)
    const { secret } = await enrollTotp(a)
    expect((await other.req('GET', '/api/auth/me')).status).toBe(401)
    expect((await a.req('GET', '/api/auth/me')).status).toBe(200)
    t.clock.advance(301_000)
    const again = await a.req('POST', '/api/auth/totp/enroll')
    expect(again.status).toBe(401)
    expect(again.body.error).toBe('STEP_UP_REQUIRED')
    const r = await a.req('POST', '/api/auth/step-up', { totpCode: await codeAt(t, secret) })
    expect(r.status).toBe(200)
    expect((await a.req('POST', '/api/auth/totp/enroll')).status).toBe(200)
  })

  it('a login flood is throttled without locking the real user out', async () => {
    const email = freshEmail()
    await signedIn(t, email)
    const attacker = new Agent(t, '203.0.113.66')
    const statuses: number[] = []
    for (let i = 0; i < 30; i++) statuses.push((await attacker.req('POST', '/api/auth/login', { email, password: `guess-${i}-xxxx` })).status)
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401])
    expect(statuses.slice(5).every((s) => s === 429)).toBe(true)
    // Even the right password is refused from the flooding IP while it is blocked…
    expect((await attacker.req('POST', '/api/auth/login', { email, password: GOOD_PASSWORD })).status).toBe(429)
    // …but the real user on their own IP gets in.
    const user = new Agent(t, '198.51.100.7')
    expect((await user.req('POST', '/api/auth/login', { email, password: GOOD_PASSWORD })).status).toBe(200)
    const throttled = await attacker.req('POST', '/api/auth/login', { email, password: 'x'.repeat(10) })
    expect(throttled.res.headers['retry-after']).toBeDefined()
  })

  it('a distributed flood across many IPs does not lock the user out either: a solved challenge gets in', async () => {
    const email = freshEmail()
    await signedIn(t, email)
    for (let ip = 1; ip <= 40; ip++) await new Agent(t, `198.18.0.${ip}`).req('POST', '/api/auth/login', { email, password: 'wrong password here' })
    for (const ip of ['198.18.0.5', '192.0.2.200']) {
      const r = await new Agent(t, ip).req('POST', '/api/auth/login', { email, password: GOOD_PASSWORD })
      expect(r.body.error).toBe('CHALLENGE_REQUIRED')
      const c = r.body.challenge as { challengeId: string; difficulty: number }
      const challenge = { challengeId: c.challengeId, nonce: solveProof(c.challengeId, c.difficulty) }
      expect((await new Agent(t, ip).req('POST', '/api/auth/login', { email, password: GOOD_PASSWORD, challenge })).status).toBe(200)
    }
  })

  it('TOTP guessing at step-up is throttled', async () => {
    const a = await signedIn(t)
    await enrollTotp(a)
    const statuses: number[] = []
    for (let i = 0; i < 7; i++) statuses.push((await a.req('POST', '/api/auth/step-up', { totpCode: String(100000 + i) })).status)
    expect(statuses.slice(0, 5).every((s) => s === 401)).toBe(true)
    expect(statuses.slice(5)).toEqual([429, 429])
  })
})

describe('per-IP limits', async () => {
  const t = await makeApp({ registerPerIpPerHour: 3, loginPerIpPer15Min: 4 })
  afterAll(() => t.close())

  it('registration and sign-in attempts per IP are capped, other IPs unaffected', async () => {
    const a = new Agent(t, '203.0.113.9')
    const reg: number[] = []
    for (let i = 0; i < 4; i++) reg.push((await a.req('POST', '/api/auth/register', { email: freshEmail(), password: GOOD_PASSWORD })).status)
    expect(reg).toEqual([202, 202, 202, 429])
    const login: number[] = []
    for (let i = 0; i < 5; i++) login.push((await a.req('POST', '/api/auth/login', { email: freshEmail(), password: GOOD_PASSWORD })).status)
    expect(login).toEqual([401, 401, 401, 401, 429])
    expect((await new Agent(t, '203.0.113.10').req('POST', '/api/auth/register', { email: freshEmail(), password: GOOD_PASSWORD })).status).toBe(202)
  })
})
