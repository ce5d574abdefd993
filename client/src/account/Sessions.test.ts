import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte'
import Sessions from './Sessions.svelte'
import { api } from './api.ts'
import { fakeApi, meBody } from './fake-api.ts'

let restore = (): void => undefined
afterEach(() => {
  cleanup()
  restore()
  api.csrfToken = ''
})
const s = (id: string, current: boolean, ip: string) => ({ id: id.repeat(64), current, createdAt: '2026-01-01T00:00:00Z', lastSeenAt: '2026-01-01T01:00:00Z', expiresAt: '2026-01-02T00:00:00Z', remember: false, ip, userAgent: 'Firefox' })

describe('Sessions', () => {
  it('lists sessions, marks this device, and ends another one', async () => {
    const f = fakeApi({
      'GET /api/auth/me': () => ({ status: 200, body: meBody() }),
      'GET /api/sessions': () => ({ status: 200, body: { sessions: [s('a', true, '10.0.0.1'), s('b', false, '10.0.0.2')] } }),
      [`DELETE /api/sessions/${'b'.repeat(64)}`]: () => ({ status: 200, body: { ok: true } }),
    })
    restore = f.restore
    render(Sessions)
    expect(await screen.findByText('(this device)')).toBeTruthy()
    await fireEvent.click(screen.getByRole('button', { name: 'End session from 10.0.0.2' }))
    await waitFor(() => expect(screen.queryByRole('button', { name: 'End session from 10.0.0.2' })).toBeNull())
    expect(screen.getByRole('status').textContent).toBe('Session ended.')
    expect(f.calls.at(-1)?.headers['x-csrf-token']).toBe('csrf-1')
  })

  it('asks to sign in when there is no session', async () => {
    restore = fakeApi({ 'GET /api/sessions': () => ({ status: 401, body: { error: 'UNAUTHENTICATED', message: 'sign in first' } }) }).restore
    render(Sessions)
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('Sign in to see your sessions.'))
  })
})
