import { afterEach, describe, expect, it } from 'vitest'
import { AccountApi } from './api.ts'
import { fakeApi, meBody } from './fake-api.ts'

let restore = (): void => undefined
afterEach(() => restore())

const STEP_UP = { status: 401, body: { error: 'STEP_UP_REQUIRED', message: 'confirm it is you', stepUp: { endpoint: '/api/auth/step-up', methods: ['totp'], maxAgeSec: 300 } } }

describe('AccountApi', () => {
  it('keeps the CSRF token from login and sends it on changes', async () => {
    const f = fakeApi({ 'POST /api/auth/login': () => ({ status: 200, body: meBody({ csrfToken: 'tok-9' }) }), 'POST /api/auth/logout': () => ({ status: 200, body: { ok: true } }) })
    restore = f.restore
    const api = new AccountApi()
    expect((await api.login({ email: 'a@b.co', password: 'xxxxxxxx' })).ok).toBe(true)
    await api.logout()
    expect(f.calls[1]?.headers['x-csrf-token']).toBe('tok-9')
  })

  it('fetches a CSRF token via me before the first change', async () => {
    const f = fakeApi({ 'GET /api/auth/me': () => ({ status: 200, body: meBody({ csrfToken: 'from-me' }) }), 'DELETE /api/sessions/abc': () => ({ status: 200, body: { ok: true } }) })
    restore = f.restore
    await new AccountApi().revokeSession('abc')
    expect(f.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /api/auth/me', 'DELETE /api/sessions/abc'])
    expect(f.calls[1]?.headers['x-csrf-token']).toBe('from-me')
  })

  it('on STEP_UP_REQUIRED asks the handler, then retries the original request once', async () => {
    const f = fakeApi({
      'GET /api/auth/me': () => ({ status: 200, body: meBody() }),
      'POST /api/events/ev/start': (_c, n) => (n === 1 ? STEP_UP : { status: 200, body: { event: { id: 'ev', status: 'live' } } }),
    })
    restore = f.restore
    const api = new AccountApi()
    const asked: number[] = []
    api.setStepUpHandler(async (c) => {
      asked.push(c.maxAgeSec)
      return true
    })
    const r = await api.startStream('ev')
    expect(r.ok).toBe(true)
    expect(asked).toEqual([300])
    expect(f.calls.filter((c) => c.path === '/api/events/ev/start')).toHaveLength(2)
  })

  it('a cancelled step-up returns the refusal without retrying', async () => {
    const f = fakeApi({ 'GET /api/auth/me': () => ({ status: 200, body: meBody() }), 'POST /api/events/ev/start': () => STEP_UP })
    restore = f.restore
    const api = new AccountApi()
    api.setStepUpHandler(async () => false)
    const r = await api.startStream('ev')
    expect(r.ok ? '' : r.error.error).toBe('STEP_UP_REQUIRED')
    expect(f.calls.filter((c) => c.path === '/api/events/ev/start')).toHaveLength(1)
  })
})
