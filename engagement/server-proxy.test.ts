import { describe, it, expect, afterAll } from 'vitest'
import { GOOD_PASSWORD, freshEmail, makeApp, signedIn } from './test-support.ts'

describe('client address behind trusted proxies (trustedProxies)', async () => {
  const t = await makeApp({ trustedProxies: ['10.0.0.0/8', '::1'], loginPerIpPer15Min: 3 })
  afterAll(() => t.close())
  const login = (remoteAddress: string, xff?: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      remoteAddress,
      headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
      payload: { email: freshEmail(), password: 'not the password' },
    })

  it('behind a trusted proxy two clients are two addresses (separate throttles)', async () => {
    const a: number[] = []
    for (let i = 0; i < 4; i++) a.push((await login('10.1.2.3', '198.51.100.1')).statusCode)
    expect(a).toEqual([401, 401, 401, 429])
    // Same proxy, another client: its own budget.
    expect((await login('10.1.2.3', '198.51.100.2')).statusCode).toBe(401)
    // A chain of trusted hops is walked from the right to the first untrusted one.
    expect((await login('10.1.2.3', '198.51.100.1, 10.9.9.9')).statusCode).toBe(429)
    expect((await login('10.1.2.3', '198.51.100.1, 198.51.100.3')).statusCode).toBe(401)
  })

  it('from an untrusted peer X-Forwarded-For is ignored', async () => {
    const s: number[] = []
    for (let i = 0; i < 4; i++) s.push((await login('203.0.113.7', `192.0.2.${i}`)).statusCode)
    expect(s).toEqual([401, 401, 401, 429])
  })

  it('the session and audit log record the client, not the proxy', async () => {
    const email = freshEmail()
    await signedIn(t, email, '10.0.0.2')
    const r = await t.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '10.0.0.2', headers: { 'x-forwarded-for': '198.51.100.77' }, payload: { email, password: GOOD_PASSWORD } })
    expect(r.statusCode).toBe(200)
    expect(r.json<{ session: { ip: string } }>().session.ip).toBe('198.51.100.77')
  })

  it('a malformed address from a trusted chain is refused, not believed', async () => {
    const r = await login('10.1.2.3', 'not-an-ip')
    expect(r.statusCode).toBe(400)
    expect(r.json()).toMatchObject({ error: 'BAD_FORWARDED_FOR' })
  })
})
