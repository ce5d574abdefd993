import { describe, it, expect, afterAll } from 'vitest'
import { Agent, GOOD_PASSWORD, codeAt, enrollTotp, freshEmail, makeApp, signedIn } from '../test-support.ts'
import { checkProof, solveProof } from './proof-of-work.ts'

interface Challenge {
  challengeId: string
  difficulty: number
  algorithm: string
}

const CEILING = 10

describe('sign-in on an account under a distributed guessing attack', async () => {
  const t = await makeApp({ loginChallengeAfterFailures: CEILING, loginChallengeBits: 10, loginDelayBaseMs: 1, loginDelayMaxMs: 5 })
  afterAll(() => t.close())
  const login = (ip: string, body: Record<string, unknown>) => new Agent(t, ip).req('POST', '/api/auth/login', body)
  const solved = (c: unknown) => {
    const ch = c as Challenge
    return { challengeId: ch.challengeId, nonce: solveProof(ch.challengeId, ch.difficulty) }
  }
  /** Many addresses, one wrong guess each; returns the error codes in order. */
  async function botnet(email: string, n: number, net = '198.18'): Promise<string[]> {
    const codes: string[] = []
    for (let i = 0; i < n; i++) codes.push(String((await login(`${net}.${i >> 8}.${i & 255}`, { email, password: `wrong guess ${i}` })).body.error))
    return codes
  }

  it('many addresses guessing one account hit the challenge; known and unknown emails behave alike', async () => {
    const known = freshEmail()
    await signedIn(t, known)
    const a = await botnet(known, CEILING + 3)
    const b = await botnet(freshEmail(), CEILING + 3, '198.19')
    expect(a).toEqual([...Array<string>(CEILING).fill('INVALID_CREDENTIALS'), 'CHALLENGE_REQUIRED', 'CHALLENGE_REQUIRED', 'CHALLENGE_REQUIRED'])
    expect(b).toEqual(a)
    const r = await login('203.0.113.50', { email: known, password: GOOD_PASSWORD })
    expect(r.status).toBe(401)
    expect(r.body.error).toBe('CHALLENGE_REQUIRED')
    expect(r.body.challenge).toMatchObject({ difficulty: 10, algorithm: 'sha256-leading-zero-bits', expiresInSec: 300 })
    // The unknown email's refusal has the same shape, field for field.
    const unknown = freshEmail()
    await botnet(unknown, CEILING, '198.24')
    const u = await login('203.0.113.51', { email: unknown, password: GOOD_PASSWORD })
    expect(u.body.error).toBe('CHALLENGE_REQUIRED')
    expect(Object.keys(u.body).sort()).toEqual(Object.keys(r.body).sort())
    expect(Object.keys(u.body.challenge as object).sort()).toEqual(Object.keys(r.body.challenge as object).sort())
  })

  it('the real user with the right password and a solved challenge always gets in, from any address', async () => {
    const email = freshEmail()
    await signedIn(t, email)
    await botnet(email, CEILING + 5, '198.20')
    // Even from an address that took part in the attack: no hard lockout.
    for (const ip of ['203.0.113.60', '198.20.0.3']) {
      const first = await login(ip, { email, password: GOOD_PASSWORD })
      expect(first.body.error).toBe('CHALLENGE_REQUIRED')
      const ok = await login(ip, { email, password: GOOD_PASSWORD, challenge: solved(first.body.challenge) })
      expect(ok.status).toBe(200)
    }
  })

  it('a solution works once, a wrong nonce not at all, and a solved wrong guess is just a wrong guess', async () => {
    const email = freshEmail()
    await signedIn(t, email)
    await botnet(email, CEILING, '198.21')
    const c = (await login('203.0.113.70', { email, password: GOOD_PASSWORD })).body.challenge as Challenge
    const good = solved(c)
    let bad = 0
    while (checkProof(c.challengeId, String(bad), c.difficulty)) bad += 1
    expect((await login('203.0.113.70', { email, password: GOOD_PASSWORD, challenge: { challengeId: c.challengeId, nonce: String(bad) } })).body.error).toBe('CHALLENGE_REQUIRED')
    expect((await login('203.0.113.70', { email, password: 'still wrong here', challenge: good })).body.error).toBe('INVALID_CREDENTIALS')
    expect((await login('203.0.113.70', { email, password: GOOD_PASSWORD, challenge: good })).body.error).toBe('CHALLENGE_REQUIRED')
    expect((await login('203.0.113.70', { email, password: GOOD_PASSWORD, challenge: { challengeId: 'x'.repeat(24), nonce: '1' } })).body.error).toBe('CHALLENGE_REQUIRED')
  })

  it('with 2FA the code in the same request replaces the challenge; a wrong part confirms nothing', async () => {
    const email = freshEmail()
    const a = await signedIn(t, email)
    const { secret } = await enrollTotp(a)
    await botnet(email, CEILING, '198.22')
    const code = await codeAt(t, secret)
    expect((await login('203.0.113.80', { email, password: 'wrong password x', totpCode: code })).body.error).toBe('CHALLENGE_REQUIRED')
    // Right password, wrong code: not INVALID_TOTP, which would confirm the password.
    expect((await login('203.0.113.80', { email, password: GOOD_PASSWORD, totpCode: code === '123456' ? '654321' : '123456' })).body.error).toBe('CHALLENGE_REQUIRED')
    const ok = await login('203.0.113.80', { email, password: GOOD_PASSWORD, totpCode: code })
    expect(ok.status).toBe(200)
    expect(ok.body.stepUpValidUntil).not.toBeNull()
    // An account without 2FA gains nothing from sending a code: right password and a code still need the challenge.
    const plain = freshEmail()
    await signedIn(t, plain)
    await botnet(plain, CEILING, '198.23')
    expect((await login('203.0.113.81', { email: plain, password: GOOD_PASSWORD, totpCode: '123456' })).body.error).toBe('CHALLENGE_REQUIRED')
  })
})

describe('server-side delay past the ceiling', async () => {
  const t = await makeApp({ loginChallengeAfterFailures: 2, loginChallengeBits: 8, loginDelayBaseMs: 300, loginDelayMaxMs: 300 })
  afterAll(() => t.close())

  it('answers to an account under attack are slowed down, whoever asks', async () => {
    const email = freshEmail()
    for (let i = 0; i < 2; i++) await new Agent(t, `198.51.100.${i + 1}`).req('POST', '/api/auth/login', { email, password: 'wrong guess xx' })
    const started = performance.now()
    const r = await new Agent(t, '198.51.100.9').req('POST', '/api/auth/login', { email, password: 'wrong guess xx' })
    expect(r.body.error).toBe('CHALLENGE_REQUIRED')
    expect(performance.now() - started).toBeGreaterThanOrEqual(280)
  })
})

describe('IPv6: a /64 is one address for every per-address limit', async () => {
  const t = await makeApp({ loginPerIpPer15Min: 3 })
  afterAll(() => t.close())

  it('sign-in attempts from one /64 share one budget', async () => {
    const statuses: number[] = []
    for (let i = 1; i <= 4; i++) statuses.push((await new Agent(t, `2001:db8:5:6::${i.toString(16)}`).req('POST', '/api/auth/login', { email: freshEmail(), password: 'wrong guess xx' })).status)
    expect(statuses).toEqual([401, 401, 401, 429])
    expect((await new Agent(t, '2001:db8:5:7::1').req('POST', '/api/auth/login', { email: freshEmail(), password: 'wrong guess xx' })).status).toBe(401)
  })
})
